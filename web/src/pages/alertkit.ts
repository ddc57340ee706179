// What the alerts page's tabs share: the page context and a few helpers.

import type { AlertRule, ClusterRecord, Op, Severity } from '../api';
import { h } from '../dom';
import type { Ctx } from '../main';

/** What every tab gets: the page, the clusters, the cluster filter and where to draw. */
export interface AlertsCtx {
  ctx: Ctx;
  clusters: ClusterRecord[];
  /** The cluster the page is narrowed to, or null for all. */
  cluster: number | null;
  body: HTMLElement;
  /** Marks a (re)load done, for the tests and for anyone waiting on the page. */
  loaded(): void;
  clusterName(id: number | null): string;
}

export const SEV_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
export const OP_SIGN: Record<Op, string> = { '>': '>', '>=': '≥', '<': '<', '<=': '≤' };

/** The rule's name, or its id when the rule is gone. */
export function ruleName(rules: AlertRule[], id: string): string {
  return rules.find((r) => r.id === id)?.name ?? id;
}

/** Shows a flash message left by the previous render (after a save that re-renders). */
export function takeFlash(box: HTMLElement): void {
  const msg = sessionStorage.getItem('starmon.flash');
  if (msg) {
    sessionStorage.removeItem('starmon.flash');
    box.append(h('div', { class: 'ok' }, msg));
  }
}

