// Building DOM safely, shared by the dashboard and the widget.
// Text always goes through textContent: nothing a visitor or an agent types is parsed as HTML.

/**
 * el('div', {class: 'x', dataset: {id: 1}, text: 'hi', on: {click: fn}}, child, ...)
 * Only safe setters: attributes, textContent, listeners. Never innerHTML.
 * @param {string} tag @param {Record<string, any>} [props] @param {...any} children
 * @returns {HTMLElement}
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

/**
 * Initials on a stable soft colour per name (a CSSOM custom property: allowed by a strict style-src).
 * @param {HTMLElement} node @param {string} [name]
 */
export function paintAvatar(node, name) {
  let h = 0;
  for (const ch of String(name || '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  node.style.setProperty('--avatar-hue', String(AVATAR_HUES[h % AVATAR_HUES.length]));
  node.textContent = initials(name);
}
