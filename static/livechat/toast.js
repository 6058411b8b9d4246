// The one toast of both pages: a short message that goes away by itself.
import { gettext } from './i18n.js';

/**
 * @param {HTMLElement} node  the page's toast element (role="alert", hidden)
 * @param {{ms?: number}} [o]  how long a message stays
 */
export function createToast(node, { ms = 5000 } = {}) {
  let timer = null;
  /** @param {string} message */
  const show = (message) => {
    node.textContent = message;
    node.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => { node.hidden = true; }, ms);
  };
  return {
    show,
    /** An error's message, or a generic one. @param {any} err */
    error: (err) => show(err?.message || gettext('Something went wrong.')),
  };
}
