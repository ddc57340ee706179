// uPlot charts: one function builds a time-series chart with the dashboard's look,
// ISO-like local-time axes, value formatters, resizing, drag-to-zoom and a "drawn" signal.
// Missing data stays missing: null values are drawn as gaps (spanGaps is off), never as zeros.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom';
import { t } from './i18n';
import type { History } from './api';
import { byteUnit, dateTime, localDate, monthDay, num, timeOfDay } from './format';

export const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#a16207', '#64748b'];

export type Fmt = (v: number) => string;

export interface SeriesSpec {
  label: string;
  color?: string;
  /** 'y' (left, default) or 'y2' (right). */
  scale?: 'y' | 'y2';
  fmt?: Fmt;
  dash?: number[];
  bars?: boolean;
  width?: number;
  fill?: boolean;
  /** Not counted as data from the API (thresholds, projections). */
  decoration?: boolean;
  /** Left out of the legend while it has no value in the range (a figure that only some
   * StarRocks versions or settings report, e.g. the p50/p90 gauge). */
  optional?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
  yFmt?: Fmt;
  y2Fmt?: Fmt;
  /** Fixed minimum/maximum of the left scale (e.g. [0, 100] for percentages); else from data, from 0. */
  yMin?: number;
  yMax?: number;
  /** The left scale is bytes ('bytes') or bytes per second ('bytes/s'): its ticks are 1, 2, 5 ×
   * 10^n in one binary unit chosen for the whole axis (2 GiB, 4 GiB …, not 1.86 GiB). */
  yBytes?: 'bytes' | 'bytes/s';
  /** The left scale spans the data (padded, within yMin/yMax) instead of starting at 0. */
  yZoom?: boolean;
  height?: number;
  /** Called with a dragged range in unix ms. */
  onSelect?: (fromMs: number, toMs: number) => void;
  /** Day-resolution x axis (bars per day). */
  daily?: boolean;
  /** Horizontal limit lines across the whole chart, on the left scale. */
  limits?: { value: number; label: string; color: string }[];
}

export interface Chart {
  el: HTMLElement;
  /** Sets data and the x range (unix seconds); resolves when it has been drawn. */
  setData(data: uPlot.AlignedData, xFrom: number, xTo: number): Promise<void>;
  destroy(): void;
}

/** Tick steps in the axis' unit: 1, 2, 5 × 10^n. */
const ROUND_STEPS = [-3, -2, -1, 0, 1, 2, 3].flatMap((n) => [1, 2, 5].map((m) => m * 10 ** n));

let measurer: CanvasRenderingContext2D | null = null;
/** Room for the widest tick label of a value axis (uPlot's default 50 px cuts "87.3 GiB"). */
function axisSize(values: string[] | null): number {
  if (!values?.length) return 40;
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 64;
  measurer.font = '12px system-ui, sans-serif';
  return Math.ceil(Math.max(...values.map((v) => measurer!.measureText(v).width))) + 18;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function xFormatter(daily: boolean): uPlot.Axis['values'] {
  return (u, splits) => {
    const min = u.scales.x.min ?? 0;
    const max = u.scales.x.max ?? 0;
    const span = max - min;
    return splits.map((s, i) => {
      const ms = s * 1000;
      if (daily || span > 3 * 86400) return monthDay(ms);
      const prev = i > 0 ? new Date(splits[i - 1] * 1000) : null;
      const newDay = !prev || prev.getDate() !== new Date(ms).getDate();
      return span > 86400 / 2 && newDay ? `${monthDay(ms)} ${timeOfDay(ms)}` : timeOfDay(ms);
    });
  };
}

function legendTime(daily: boolean): (u: uPlot, v: number) => string {
  return (_u, v) => {
    if (v == null) return '–';
    return daily ? localDate(v * 1000) : dateTime(v * 1000);
  };
}

/** When the cursor is not on the chart, the legend shows each series' latest known value (and
 * the time of the latest row) instead of dashes, so the chart can be read without hovering. */
function showLatest(self: uPlot): void {
  if (self.cursor.idx != null) return;
  const idxs: (number | null)[] = self.data.map((col, i) => {
    if (i === 0) return null;
    for (let r = col.length - 1; r >= 0; r--) if (col[r] != null) return r;
    return null;
  });
  idxs[0] = idxs.reduce<number | null>((m, v) => (v != null && (m == null || v > m) ? v : m), null);
  self.setLegend({ idxs }, false);
}

export function chart(spec: ChartSpec): Chart {
  const plot = h('div', { class: 'plot' });
  const empty = h('div', { class: 'chart-empty', hidden: true }, t('common.nodata'));
  const el = h('section', { class: 'chart card', id: spec.id, 'data-chart': spec.id, 'data-points': '0' }, h('h3', null, spec.title), plot, empty);
  const grid = cssVar('--grid');
  const axisColor = cssVar('--muted');
  let xFrom = 0;
  let xTo = 1;
  let u: uPlot | null = null;
  let drawn: (() => void) | null = null;
  let hasData = false;
  const height = spec.height ?? 200;

  const series: uPlot.Series[] = [
    { label: t('chart.time'), value: legendTime(!!spec.daily) },
    ...spec.series.map((s, i): uPlot.Series => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      const fmt = s.fmt ?? (s.scale === 'y2' ? spec.y2Fmt : spec.yFmt);
      return {
        label: s.label,
        scale: s.scale ?? 'y',
        stroke: color,
        width: s.width ?? 1.5,
        dash: s.dash,
        fill: s.bars ? color + 'cc' : s.fill ? color + '22' : undefined,
        spanGaps: false,
        paths: s.bars ? uPlot.paths.bars!({ size: [0.6, 48], align: 0 }) : undefined,
        points: s.bars ? { show: false } : undefined,
        value: (_u, v) => (v == null ? '–' : fmt ? fmt(v) : String(v)),
      };
    }),
  ];
  const hasY2 = spec.series.some((s) => s.scale === 'y2');
  const axis = (fmt: Fmt | undefined, side: 1 | 3, scale: string): uPlot.Axis => ({
    scale,
    side,
    stroke: axisColor,
    grid: { stroke: grid, width: 1, show: side === 3 },
    ticks: { stroke: grid, width: 1 },
    size: (_u, values) => axisSize(values),
    // An empty chart has a made-up 0–1 scale: no numbers on it.
    values: (_u, splits) => splits.map((v) => (!hasData ? '' : fmt ? fmt(v) : String(v))),
  });
  const byteAxis = (suffix: string): uPlot.Axis => ({
    ...axis(undefined, 3, 'y'),
    incrs: (_u, _i, _min, max) => {
      const { size } = byteUnit(max);
      return ROUND_STEPS.map((m) => m * size);
    },
    values: (u, splits) => {
      const { size, name } = byteUnit(u.scales.y.max ?? 0);
      const labels = splits.map((v) => (!hasData ? '' : `${num(v / size)} ${name}${suffix}`));
      el.dataset.yTicks = labels.join('|');
      return labels;
    },
  });
  const axes: uPlot.Axis[] = [
    { stroke: axisColor, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: xFormatter(!!spec.daily), space: 70 },
    spec.yBytes ? byteAxis(spec.yBytes === 'bytes/s' ? '/s' : '') : axis(spec.yFmt, 3, 'y'),
  ];
  if (hasY2) axes.push(axis(spec.y2Fmt, 1, 'y2'));

  const yRange = (fixedMin?: number, fixedMax?: number): uPlot.Scale.Range => (_u, min, max) => {
    let lo = fixedMin ?? Math.min(0, min ?? 0);
    let hi = fixedMax ?? max ?? 1;
    if (fixedMax === undefined && max != null && max > 0) hi = max * 1.1;
    if (!(hi > lo)) hi = lo + 1;
    return [lo, hi];
  };

  const zoomRange = (limitMin?: number, limitMax?: number): uPlot.Scale.Range => (_u, min, max) => {
    if (min == null || max == null) return [limitMin ?? 0, limitMax ?? 1];
    const pad = Math.max((max - min) * 0.1, Math.abs(max) * 0.001, 1e-9);
    const lo = Math.max(limitMin ?? -Infinity, min - pad);
    const hi = Math.min(limitMax ?? Infinity, max + pad);
    return hi > lo ? [lo, hi] : [lo, lo + pad];
  };

  const opts = (width: number): uPlot.Options => ({
    width,
    height,
    series,
    axes,
    scales: {
      x: { time: true, range: () => [xFrom, xTo] },
      y: { range: spec.yZoom ? zoomRange(spec.yMin, spec.yMax) : yRange(spec.yMin, spec.yMax) },
      y2: { range: yRange() },
    },
    cursor: { drag: { x: !!spec.onSelect, y: false, setScale: false } },
    legend: { live: true },
    hooks: {
      draw: [
        (self) => {
          (spec.limits ?? []).forEach((l, i) => {
            const y = self.valToPos(l.value, 'y', true);
            const { left, width } = self.bbox;
            const c = self.ctx;
            c.save();
            c.strokeStyle = l.color;
            c.fillStyle = l.color;
            c.lineWidth = devicePixelRatio;
            c.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            c.beginPath();
            c.moveTo(left, y);
            c.lineTo(left + width, y);
            c.stroke();
            c.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            c.textAlign = 'right';
            // Alternate labels above and below their lines, so that close limits stay readable.
            c.fillText(l.label, left + width - 4 * devicePixelRatio, i % 2 ? y - 3 * devicePixelRatio : y + 12 * devicePixelRatio);
            c.restore();
          });
        },
        showLatest,
        (self) => {
          // The left scale as drawn, for tests and for anyone reading the page's DOM.
          el.dataset.yMin = String(self.scales.y?.min ?? '');
          el.dataset.yMax = String(self.scales.y?.max ?? '');
        },
        () => {
          if (drawn) {
            const d = drawn;
            drawn = null;
            d();
          }
        },
      ],
      setCursor: [showLatest],
      setSelect: [
        (self) => {
          if (!spec.onSelect || self.select.width < 8) return;
          const a = self.posToVal(self.select.left, 'x');
          const b = self.posToVal(self.select.left + self.select.width, 'x');
          self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          spec.onSelect(Math.round(a * 1000), Math.round(b * 1000));
        },
      ],
    },
  });

  /** An optional series without a value in the range has no legend entry: a legend that is
   * always "–" says nothing but "this chart is broken". */
  const hideEmptyOptional = (data: uPlot.AlignedData) => {
    const rows = plot.querySelectorAll<HTMLElement>('.u-legend .u-series');
    spec.series.forEach((s, i) => {
      if (!s.optional) return;
      const empty = (data[i + 1] as (number | null)[]).every((v) => v == null);
      const row = rows[i + 1];
      if (row) row.hidden = empty;
    });
  };

  const width = () => Math.max(240, plot.clientWidth || el.clientWidth - 24 || 600);
  const ro = new ResizeObserver(() => {
    if (u) {
      const w = width();
      if (Math.abs(u.width - w) > 2) u.setSize({ width: w, height });
    }
  });
  ro.observe(plot);

  return {
    el,
    setData(data, from, to) {
      xFrom = from;
      xTo = to;
      el.dataset.xFrom = String(Math.round(from));
      el.dataset.xTo = String(Math.round(to));
      let points = 0;
      data.forEach((col, i) => {
        if (i === 0 || spec.series[i - 1]?.decoration) return;
        for (const v of col as (number | null)[]) if (v != null) points++;
      });
      // Rows where no series has a value: the breaks drawn for missing data.
      let gaps = 0;
      for (let r = 0; r < data[0].length; r++) if (data.slice(1).every((c) => c[r] == null)) gaps++;
      el.dataset.points = String(points);
      el.dataset.gaps = String(gaps);
      hasData = points > 0;
      empty.hidden = hasData;
      return new Promise<void>((resolve) => {
        drawn = resolve;
        if (!u) {
          u = new uPlot(opts(width()), data, plot);
        } else {
          u.setData(data);
        }
      }).then(() => {
        hideEmptyOptional(data);
        el.dataset.drawn = String((Number(el.dataset.drawn) || 0) + 1);
      });
    },
    destroy() {
      ro.disconnect();
      u?.destroy();
      u = null;
    },
  };
}

/** Turns a history answer into uPlot columns: x in unix seconds, then one column per derived
 * series. Where the time between two points is longer than the sampling explains, a row of nulls
 * is inserted so that the lines break instead of bridging the hole. */
export function columns(hist: History, derive: ((row: (name: string) => number | null) => number | null)[]): uPlot.AlignedData {
  const names = Object.keys(hist.series);
  const ts = new Set<number>();
  const byName = new Map<string, Map<number, number | null>>();
  for (const n of names) {
    const m = new Map<number, number | null>();
    for (const p of hist.series[n]) {
      ts.add(p.t);
      m.set(p.t, p.avg);
    }
    byName.set(n, m);
  }
  const times = [...ts].sort((a, b) => a - b);
  const stepMs = Math.max(1000, (hist.step_seconds || 1) * 1000);
  // The collection interval: interval_secs when asked for, else the median spacing of points.
  let intervalMs = 0;
  const iv = byName.get('interval_secs');
  if (iv) {
    const vals = [...iv.values()].filter((v): v is number => v != null).sort((a, b) => a - b);
    if (vals.length) intervalMs = vals[Math.floor(vals.length / 2)] * 1000;
  }
  if (!intervalMs && times.length > 2) {
    const d = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b);
    intervalMs = d[Math.floor(d.length / 2)];
  }
  const gapMs = stepMs + intervalMs + 0.5 * Math.max(stepMs, intervalMs);
  const detailFrom = hist.detail_from ?? -Infinity;
  const DAY = 86_400_000;
  const xs: number[] = [];
  const cols: (number | null)[][] = derive.map(() => []);
  let prev: number | null = null;
  for (const tms of times) {
    if (prev !== null) {
      const limit = prev < detailFrom ? 1.5 * DAY : gapMs;
      if (tms - prev > limit) {
        xs.push((prev + stepMs) / 1000);
        cols.forEach((c) => c.push(null));
      }
    }
    const get = (n: string) => byName.get(n)?.get(tms) ?? null;
    xs.push(tms / 1000);
    derive.forEach((f, i) => {
      const v = f(get);
      cols[i].push(v != null && Number.isFinite(v) ? v : null);
    });
    prev = tms;
  }
  return [xs, ...cols];
}

/** A per-interval increase as a rate per minute (null when either is unknown). */
export function perMinute(name: string): (row: (n: string) => number | null) => number | null {
  return (row) => {
    const v = row(name);
    const iv = row('interval_secs');
    return v != null && iv ? (v / iv) * 60 : null;
  };
}

export const col = (name: string) => (row: (n: string) => number | null) => row(name);
