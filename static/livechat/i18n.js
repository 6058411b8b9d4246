// Translations and the page language, shared by the dashboard and the widget.
// Strings come from Django's JavaScript catalog (/jsi18n/), which each page loads with a
// classic <script> before its modules.

/**
 * gettext from Django's JavaScript catalog, identity when it did not load.
 * Call sites use the literal name `gettext('…')` so that `makemessages -d djangojs` finds them.
 * @param {string} text @returns {string}
 */
export function gettext(text) {
  const g = globalThis.gettext;
  return typeof g === 'function' ? g(text) : text;
}

/**
 * Named interpolation of an already translated string: fmt(gettext('%(name)s is typing…'), {name})
 * @param {string} text @param {Record<string, any>} values @returns {string}
 */
export function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, k) => (values[k] == null ? '' : String(values[k])));
}

/** The page's language (`<html lang>`), for Intl formatting. @returns {string} */
export function lang() {
  return document.documentElement.lang || 'en';
}
