// Numbers, bytes, durations and times in the current language and the browser's time zone.
// Unknown values (null) are shown as an en dash, never as 0.

import { lang, t } from './i18n';

export const DASH = '–';

const cache = new Map<string, Intl.NumberFormat>();
function nf(opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = lang() + JSON.stringify(opts);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang(), opts);
    cache.set(key, f);
  }
  return f;
}

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A plain number with sensible precision for its size. */
export function num(v: number | null | undefined, maxDigits?: number): string {
  if (!isNum(v)) return DASH;
  const a = Math.abs(v);
  const digits = maxDigits ?? (a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
  return nf({ maximumFractionDigits: digits }).format(v);
}

export function int(v: number | null | undefined): string {
  return isNum(v) ? nf({ maximumFractionDigits: 0 }).format(v) : DASH;
}

export function pct(v: number | null | undefined, digits = 1): string {
  return isNum(v) ? nf({ maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(v) + ' %' : DASH;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 1536 → "1.5 KiB". */
export function bytes(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  let a = Math.abs(v);
  let i = 0;
  while (a >= 1024 && i < UNITS.length - 1) {
    a /= 1024;
    i++;
  }
  const digits = i === 0 ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return (v < 0 ? '-' : '') + nf({ maximumFractionDigits: digits }).format(a) + ' ' + UNITS[i];
}

/** The binary unit an axis reaching `max` bytes is labelled in: its size and name. */
export function byteUnit(max: number): { size: number; name: string } {
  let i = 0;
  let a = Math.abs(max);
  while (a >= 1024 && i < UNITS.length - 1) {
    a /= 1024;
    i++;
  }
  return { size: 1024 ** i, name: UNITS[i] };
}

export function bytesPerSec(v: number | null | undefined): string {
  return isNum(v) ? bytes(v) + '/s' : DASH;
}

export function ms(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  if (Math.abs(v) >= 10_000) return num(v / 1000, 1) + ' s';
  return num(v) + ' ms';
}

/** A signed change in percent, e.g. "+12.5 %". */
export function change(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  const s = nf({ maximumFractionDigits: Math.abs(v) >= 10 ? 0 : 1, signDisplay: 'exceptZero' }).format(v);
  return s + ' %';
}

// Dates and times are written one way everywhere, in every language: ISO-like, local time
// ("2026-12-03 07:27:24", "2026-12-03", "12-03"), so that a time read on one page can be found
// on another and in starmon's logs.
const pad2 = (n: number) => String(n).padStart(2, '0');

/** Unix ms → "YYYY-MM-DD", local. */
export function localDate(msT: number): string {
  const d = new Date(msT);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** Unix ms → "YYYY-MM-DD HH:MM:SS", local. */
export function dateTime(msT: number | null | undefined): string {
  if (!isNum(msT)) return DASH;
  return `${localDate(msT)} ${timeOfDay(msT, true)}`;
}

/** Unix ms → "HH:MM" (or "HH:MM:SS"), local, 24 h. */
export function timeOfDay(msT: number, seconds = false): string {
  const d = new Date(msT);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return seconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/** Unix ms → "MM-DD", local (axis labels). */
export function monthDay(msT: number): string {
  return localDate(msT).slice(5);
}

/** "YYYY-MM-DD" (a calendar date) as it is written everywhere else. */
export function isoDate(d: string | null | undefined): string {
  return d ? d : DASH;
}

/** "5 min ago" in the current language. */
export function ago(msT: number | null | undefined, now = Date.now()): string {
  if (!isNum(msT)) return t('common.never');
  const secs = Math.round((msT - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang(), { numeric: 'auto', style: 'short' });
  const a = Math.abs(secs);
  if (a < 60) return rtf.format(secs, 'second');
  if (a < 3600) return rtf.format(Math.round(secs / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(secs / 3600), 'hour');
  return rtf.format(Math.round(secs / 86400), 'day');
}

/** A length of time in seconds, coarsely: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function duration(secs: number | null | undefined): string {
  if (!isNum(secs)) return DASH;
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return t('dur.s', s);
  const m = Math.floor(s / 60);
  if (m < 60) return t('dur.m', m);
  const hours = Math.floor(m / 60);
  if (hours < 24) return m % 60 ? t('dur.hm', hours, m % 60) : t('dur.h', hours);
  const d = Math.floor(hours / 24);
  return hours % 24 ? t('dur.dh', d, hours % 24) : t('dur.d', d);
}
