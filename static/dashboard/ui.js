// Small DOM and formatting helpers shared by the dashboard and the widget.
// Text always goes through textContent: nothing a visitor or an agent types is parsed as HTML.

/**
 * gettext from Django's JavaScript catalog (/jsi18n/), identity when it did not load.
 * Call sites use the literal name `gettext('…')` so that `makemessages -d djangojs` finds them.
 */
export function gettext(text) {
  const g = globalThis.gettext;
  return typeof g === 'function' ? g(text) : text;
}

/** Named interpolation of an already translated string: fmt(gettext('%(name)s is typing…'), {name}) */
export function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, k) => (values[k] == null ? '' : String(values[k])));
}

/**
 * el('div', {class: 'x', dataset: {id: 1}, text: 'hi', on: {click: fn}}, child, ...)
 * Only safe setters: attributes, textContent, listeners. Never innerHTML.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key.startsWith('on')) throw new Error('use {on: {...}} for listeners');
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

const AVATAR_HUES = [212, 262, 168, 28, 338, 190, 122, 290, 8, 236];

/** A stable soft colour per name (CSSOM custom property: allowed by a strict style-src). */
export function paintAvatar(node, name) {
  let h = 0;
  for (const ch of String(name || '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  node.style.setProperty('--avatar-hue', String(AVATAR_HUES[h % AVATAR_HUES.length]));
  node.textContent = initials(name);
}

export function lang() {
  return document.documentElement.lang || 'en';
}

const timeFmt = new Map();
export function fmtTime(iso) {
  const key = lang();
  if (!timeFmt.has(key)) timeFmt.set(key, new Intl.DateTimeFormat(key, { hour: '2-digit', minute: '2-digit' }));
  return timeFmt.get(key).format(new Date(iso));
}

export function fmtDateTime(iso) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function dayKey(iso) {
  return startOfDay(new Date(iso));
}

/** "Today", "Yesterday", or a date. */
export function fmtDay(iso) {
  const d = new Date(iso);
  const days = Math.round((startOfDay(new Date()) - startOfDay(d)) / 86400000);
  if (days === 0) return gettext('Today');
  if (days === 1) return gettext('Yesterday');
  const opts = { weekday: 'long', day: 'numeric', month: 'long' };
  if (d.getFullYear() !== new Date().getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat(lang(), opts).format(d);
}

/** Compact relative time for lists: "now", "5 min", "3 h", "Yesterday", "12 Mar". */
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

export function wsUrl(path) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
}

/** Connection state → CSS state and label; the one vocabulary for both pages. */
export function connectionLabel(state) {
  switch (state) {
    case 'connected': return gettext('Connected');
    case 'reconnecting': return gettext('Reconnecting…');
    case 'connecting': return gettext('Connecting…');
    default: return gettext('Disconnected');
  }
}

/** A textarea that grows with its content up to a limit. */
export function autoGrow(textarea, max = 180) {
  const fit = () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(max, textarea.scrollHeight)}px`;
  };
  textarea.addEventListener('input', fit);
  return fit;
}

/**
 * Typing notifications: `typing:start` at most every 3 s while keys are pressed,
 * `typing:stop` after 2.5 s of quiet, on send and on blur.
 */
export function typingNotifier(send) {
  let active = false;
  let lastStart = 0;
  let idle = null;
  const stop = () => {
    clearTimeout(idle);
    idle = null;
    if (active) {
      active = false;
      send('typing:stop');
    }
  };
  return {
    input(hasText) {
      if (!hasText) return stop();
      const now = Date.now();
      if (!active || now - lastStart > 3000) {
        active = true;
        lastStart = now;
        send('typing:start');
      }
      clearTimeout(idle);
      idle = setTimeout(stop, 2500);
    },
    stop,
  };
}
