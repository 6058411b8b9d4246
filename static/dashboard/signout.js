// @ts-check
// When the agent's session ends, say so instead of reconnecting for ever.
//
// The server closes every socket of an agent with 4401 when the agent logs out (in any
// tab or browser), is deactivated, loses the agent role or changes password, and refuses
// a new handshake once the session is gone (an HTTP 403, which a browser reports like any
// failed connection). The REST API tells the two apart: a dashboard whose own session
// still stands (another browser logged out) reconnects at once; one whose session ended
// shows "signed out" with a link to the login page.

/** How often at most: a reconnect after 4401, and a REST check while reconnecting. */
const QUIET_MS = 15000;

/**
 * @param {object} o
 * @param {import('../livechat/socket.js').LivechatSocket} o.socket
 * @param {() => Promise<any>} o.probe  a REST call as the agent; rejects with `status` 401 or 403 once signed out
 * @param {() => void} o.onSignedOut
 * @param {() => number} [o.now]
 */
export function watchSession({ socket, probe, onSignedOut, now = Date.now }) {
  let lastRejoin = -Infinity;
  let lastProbe = -Infinity;
  let over = false;

  /** Network trouble or a server error is not a sign-out: only the API's refusal is. */
  async function signedIn() {
    try {
      await probe();
      return true;
    } catch (err) {
      return !(err?.status === 401 || err?.status === 403);
    }
  }

  function signedOut() {
    if (over) return;
    over = true;
    socket.close();
    onSignedOut();
  }

  socket.onConnectionStatusChange(async (state, info) => {
    if (over) return;
    if (state === 'error' && (info?.code === 4401 || info?.code === 4403)) {
      // Not in a loop: a socket refused again right away is signed out, whatever REST says.
      const fresh = now() - lastRejoin > QUIET_MS;
      if (fresh && (await signedIn())) {
        lastRejoin = now();
        socket.connect();
      } else {
        signedOut();
      }
    } else if (state === 'reconnecting' && now() - lastProbe > QUIET_MS) {
      lastProbe = now();
      if (!(await signedIn())) signedOut();
    }
  });
}
