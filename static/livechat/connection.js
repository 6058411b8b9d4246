// Where the socket connects, and how its state is told to the user.
import { gettext } from './i18n.js';

/** ws:// or wss:// URL of a socket path on this page's host. @param {string} path */
export function wsUrl(path) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
}

/** Connection state → label; the one vocabulary for both pages. @param {string} state */
function connectionLabel(state) {
  switch (state) {
    case 'connected': return gettext('Connected');
    case 'reconnecting': return gettext('Reconnecting…');
    case 'connecting': return gettext('Connecting…');
    case 'signed-out': return gettext('Signed out');
    case 'superseded': return gettext('Open in another tab');
    default: return gettext('Disconnected');
  }
}

/**
 * Shows the socket's state on the page's badge: `data-state` connected, reconnecting or
 * disconnected (or idle: the widget before its visitor has a session), the label, and
 * `is-offline` on `offlineTarget` while the connection is down.
 * @param {object} o
 * @param {import('./socket.js').LivechatSocket} o.socket
 * @param {HTMLElement} o.badge
 * @param {HTMLElement} o.label
 * @param {HTMLElement} o.offlineTarget
 * @returns {(state: string) => void} shows a state now, e.g. before the socket has one
 */
export function connectionBadge({ socket, badge, label, offlineTarget }) {
  const show = (state) => {
    const css = state === 'idle' ? 'idle'
      : state === 'connected' ? 'connected'
        : state === 'reconnecting' || state === 'connecting' ? 'reconnecting' : 'disconnected';
    badge.dataset.state = css;
    label.textContent = state === 'idle' ? '' : connectionLabel(state);
    offlineTarget.classList.toggle('is-offline', css === 'reconnecting' || css === 'disconnected');
  };
  socket.onConnectionStatusChange((state) => show(state));
  // The socket only learns of a dead network at its next heartbeat; the browser knows now.
  window.addEventListener('offline', () => { if (socket.state === 'connected') show('reconnecting'); });
  window.addEventListener('online', () => show(socket.state));
  return show;
}
