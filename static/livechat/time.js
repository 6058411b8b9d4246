// Dates and times in the page's language, shared by the dashboard and the widget.
import { gettext, lang } from './i18n.js';

const timeFmt = new Map();

/** "14:05" (or "2:05 PM"). @param {string} iso */
export function fmtTime(iso) {
  const key = lang();
  if (!timeFmt.has(key)) timeFmt.set(key, new Intl.DateTimeFormat(key, { hour: '2-digit', minute: '2-digit' }));
  return timeFmt.get(key).format(new Date(iso));
}

/** "12 Mar 2026, 14:05". @param {string} iso */
export function fmtDateTime(iso) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** The same number for every time of one local day. @param {string} iso */
export function dayKey(iso) {
  return startOfDay(new Date(iso));
}

/** "Today", "Yesterday", or a date. @param {string} iso */
export function fmtDay(iso) {
  const d = new Date(iso);
  const days = Math.round((startOfDay(new Date()) - startOfDay(d)) / 86400000);
  if (days === 0) return gettext('Today');
  if (days === 1) return gettext('Yesterday');
  const opts = { weekday: 'long', day: 'numeric', month: 'long' };
  if (d.getFullYear() !== new Date().getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat(lang(), opts).format(d);
}

/** Compact relative time for lists: "now", "5 min", "3 h", "Yesterday", "12 Mar". @param {string} iso */
export function relTime(iso) {
  const d = new Date(iso);
  const secs = Math.max(0, (Date.now() - d.getTime()) / 1000);
  if (secs < 45) return gettext('now');
  const rtf = new Intl.RelativeTimeFormat(lang(), { numeric: 'auto', style: 'narrow' });
  if (secs < 3600) return rtf.format(-Math.round(secs / 60), 'minute');
  const days = Math.round((startOfDay(new Date()) - startOfDay(d)) / 86400000);
  if (days === 0) return rtf.format(-Math.round(secs / 3600), 'hour');
  if (days === 1) return gettext('Yesterday');
  if (days < 7) return new Intl.DateTimeFormat(lang(), { weekday: 'short' }).format(d);
  return new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short' }).format(d);
}
