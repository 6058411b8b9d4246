// Where the socket connects, and how its state is told to the user.
import { gettext } from './i18n.js';

/** ws:// or wss:// URL of a socket path on this page's host. @param {string} path */
export function wsUrl(path) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
}

/** Connection state → label; the one vocabulary for both pages. @param {string} state */
export function connectionLabel(state) {
  switch (state) {
    case 'connected': return gettext('Connected');
    case 'reconnecting': return gettext('Reconnecting…');
    case 'connecting': return gettext('Connecting…');
    default: return gettext('Disconnected');
  }
}
