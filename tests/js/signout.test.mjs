// Unit tests for static/dashboard/signout.js. Run: node --test tests/js/
// A fake socket stands in for LivechatSocket: the tests emit its status changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watchSession } from '../../static/dashboard/signout.js';

function fakeSocket() {
  const listeners = [];
  const calls = [];
  return {
    calls,
    onConnectionStatusChange: (cb) => listeners.push(cb),
    connect: () => calls.push('connect'),
    close: () => calls.push('close'),
    /** Emit a status change and let the watcher's awaits settle. */
    async emit(state, info = {}) {
      for (const cb of listeners) await cb(state, info);
    },
  };
}

const refused = (status) => async () => { throw Object.assign(new Error('refused'), { status }); };
const fine = async () => ({ agents: [] });

function watch(probe, clock = { t: 0 }) {
  const socket = fakeSocket();
  const shown = [];
  watchSession({ socket, probe, onSignedOut: () => shown.push('signed out'), now: () => clock.t });
  return { socket, shown, clock };
}

test('4401 with the session gone: signed out, and no more reconnecting', async () => {
  const { socket, shown } = watch(refused(403));
  await socket.emit('error', { code: 4401 });
  assert.deepEqual(shown, ['signed out']);
  assert.deepEqual(socket.calls, ['close']);
  await socket.emit('error', { code: 4401 });
  assert.deepEqual(shown, ['signed out'], 'shown once');
});

test('4401 while this browser is still signed in (another one logged out): reconnect at once', async () => {
  const { socket, shown } = watch(fine);
  await socket.emit('error', { code: 4401 });
  assert.deepEqual(socket.calls, ['connect']);
  assert.deepEqual(shown, []);
});

test('4401 again right after such a reconnect is a sign-out, not a loop', async () => {
  const { socket, shown, clock } = watch(fine);
  await socket.emit('error', { code: 4401 });
  clock.t += 2000;
  await socket.emit('error', { code: 4401 });
  assert.deepEqual(socket.calls, ['connect', 'close']);
  assert.deepEqual(shown, ['signed out']);
});

test('a refused handshake while reconnecting is found through the REST API', async () => {
  let status = 0; // first the server is away (status 0: unreachable), then it says 401
  const probe = async () => { throw Object.assign(new Error('x'), { status }); };
  const { socket, shown, clock } = watch(probe);
  await socket.emit('reconnecting', { code: 1006 });
  assert.deepEqual(shown, [], 'an unreachable server is not a sign-out');
  status = 401;
  clock.t += 5000;
  await socket.emit('reconnecting', { code: 1006 });
  assert.deepEqual(shown, [], 'checked at most every 15 s');
  clock.t += 15000;
  await socket.emit('reconnecting', { code: 1006 });
  assert.deepEqual(shown, ['signed out']);
  assert.deepEqual(socket.calls, ['close']);
});

test('other closes and server errors change nothing', async () => {
  const { socket, shown } = watch(refused(503));
  await socket.emit('error', { code: 4401 });
  assert.deepEqual(socket.calls, ['connect'], 'a 503 does not prove a sign-out');
  await socket.emit('error', { code: 1000 });
  await socket.emit('connected');
  assert.deepEqual(shown, []);
});
