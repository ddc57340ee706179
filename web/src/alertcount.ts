// The number of firing alerts over all clusters, shown next to "Alerts" in the top bar. Asked for
// on every page change and every 30 s; pages that learn it anyway (the alerts page) set it.

import { session } from './session';

let count: number | null = null;

export function firingCount(): number | null {
  return count;
}

/** Shows `n` in the top bar's badge (hidden when 0 or unknown). */
export function setFiringCount(n: number | null): void {
  count = n;
  const el = document.getElementById('nav-alerts-count');
  if (!el) return;
  el.textContent = n ? String(n) : '';
  el.hidden = !n;
  el.dataset.alerts = n === null ? '' : String(n);
}

let inFlight = false;

/** Asks the server, unless nobody is signed in (which would only meet a 401). */
export async function refreshFiringCount(): Promise<void> {
  const me = session.me;
  if (!me || (me.auth_enabled && !me.username) || inFlight) return;
  inFlight = true;
  try {
    // Not through api(): a 401 here must not navigate; the page's own requests handle that.
    const res = await fetch('/api/v1/alerts?state=firing', { credentials: 'same-origin' });
    if (res.ok) setFiringCount(((await res.json()) as { alerts: unknown[] }).alerts.length);
  } catch {
    // The count stays as it was; the next page change or tick asks again.
  } finally {
    inFlight = false;
  }
}
