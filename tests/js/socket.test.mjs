// Unit tests for static/livechat/socket.js. Run: node --test tests/js/
// Hand-written fakes only: a FakeWebSocket standing in for the browser's, and a fake clock
// whose timers run only when a test advances time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LivechatSocket, backoffDelay, createMemoryStorage } from '../../static/livechat/socket.js';

class FakeClock {
  time = 0;
  #timers = new Map();
  #nextId = 1;
  setTimeout = (fn, ms) => this.#add(fn, ms, null);
  setInterval = (fn, ms) => this.#add(fn, ms, ms);
  clearTimeout = (id) => void this.#timers.delete(id);
  clearInterval = (id) => void this.#timers.delete(id);
  now = () => this.time;

  #add(fn, ms, every) {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.time + ms, fn, every });
    return id;
  }

  /** Delays (from now) of the pending one-shot timers, soonest first. */
  pendingDelays() {
    return [...this.#timers.values()].filter((t) => t.every === null).map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Advance time, firing due timers in order and letting promise callbacks settle after each. */
  async tick(ms) {
    const end = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, t] of this.#timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
      if (!next) break;
      const [id, t] = next;
      this.time = t.at;
      if (t.every === null) this.#timers.delete(id);
      else t.at += t.every;
      t.fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

/** Lets pending promise callbacks (microtasks) run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

class FakeWebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 3;
  readyState = 0;
  /** Frames the client sent, parsed. */
  sent = [];
  closedWith = null;
  onopen = null;
  onmessage = null;
  onclose = null;

  constructor(url) {
    this.url = url;
  }

  send(data) {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(JSON.parse(data));
  }

  close(code, reason) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closedWith = { code, reason };
    this.onclose?.({ code: 1005, reason: '' });
  }

  // Server side of the fake.
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  lastSent(type) {
    return this.sent.filter((f) => f.type === type).at(-1);
  }
}

const AGENT_HELLO = { type: 'hello', role: 'agent', user: { id: 'u1', name: 'Alice' } };

function msg(id, version, extra = {}) {
  return {
    id, conversation_id: 'c1', seq: version, version, client_id: null,
    sender: { type: 'visitor', id: 'v1', name: 'Budi' }, body: `body ${id}`, attachments: [],
    created_at: '2025-01-01T00:00:00Z', edited_at: null, deleted: false, ...extra,
  };
}

function setup(options = {}) {
  const clock = new FakeClock();
  const sockets = [];
  class WS extends FakeWebSocket {
    constructor(url) {
      super(url);
      sockets.push(this);
    }
  }
  const win = new EventTarget();
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  const errors = [];
  const storage = options.storage ?? createMemoryStorage();
  const make = () => new LivechatSocket({
    url: 'ws://test/ws/agent/', role: 'agent', WebSocketImpl: WS, storage, random: () => 0.5,
    setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
    setInterval: clock.setInterval, clearInterval: clock.clearInterval, now: clock.now,
    window: win, document: doc, logger: { error: (...a) => errors.push(a) }, ...options,
  });
  const socket = make();
  const states = [];
  socket.onConnectionStatusChange((s) => states.push(s));
  const messages = [];
  socket.onMessage((m, kind) => messages.push([m.id, kind, m.version]));
  return { socket, make, clock, sockets, win, doc, storage, states, messages, errors, ws: () => sockets.at(-1) };
}

/** Open the newest socket and say hello, as the server does. */
async function handshake(h, hello = AGENT_HELLO) {
  h.ws().open();
  await flush();
  h.ws().receive(hello);
  await flush();
}

/** Answer the newest socket's last frame of `type` with an ack carrying `result`. */
async function ack(h, type, result = {}) {
  const frame = h.ws().lastSent(type);
  assert.ok(frame, `expected a ${type} frame`);
  h.ws().receive({ type: 'ack', request_id: frame.request_id, ...result });
  await flush();
}

// --- backoff ---------------------------------------------------------------------------

test('backoffDelay doubles from 500 ms and caps at 30 s (full jitter, random=0.5 -> half)', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map((a) => backoffDelay(a, { random: () => 0.5 }));
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000]);
});

test('backoffDelay stays within [0, min(cap, base*2^(n-1))) for any random draw', () => {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = Math.min(30000, 500 * 2 ** (attempt - 1));
    for (const r of [0, 0.25, 0.999999]) {
      const d = backoffDelay(attempt, { random: () => r });
      assert.ok(d >= 0 && d < ceiling, `attempt ${attempt} r ${r}: ${d}`);
    }
  }
  assert.equal(backoffDelay(3, { base: 100, cap: 250, random: () => 0.999999 }), 249);
});

test('reconnect waits the backoff schedule, growing per failure and reset after hello', async () => {
  const h = setup({ random: () => 0.999999 });
  h.socket.connect();
  await handshake(h);
  const waits = [];
  for (let i = 0; i < 4; i++) {
    h.ws().drop();
    const [delay] = h.clock.pendingDelays();
    waits.push(delay);
    const before = h.sockets.length;
    await h.clock.tick(delay - 1);
    assert.equal(h.sockets.length, before, 'no retry before the delay');
    await h.clock.tick(1);
    assert.equal(h.sockets.length, before + 1, 'retry when the delay ends');
  }
  assert.deepEqual(waits, [499, 999, 1999, 3999]);
  await handshake(h);
  h.ws().drop();
  assert.deepEqual(h.clock.pendingDelays(), [499], 'attempt counter reset by hello');
});

// --- states ----------------------------------------------------------------------------

test('connecting until hello, not on TCP open; drop -> reconnecting -> connected; close -> disconnected', async () => {
  const h = setup();
  assert.equal(h.socket.state, 'disconnected');
  h.socket.connect();
  assert.equal(h.socket.state, 'connecting');
  h.ws().open();
  await flush();
  assert.equal(h.socket.state, 'connecting', 'open alone is not connected');
  assert.equal(h.ws().sent.length, 0, 'agents send nothing before hello');
  h.ws().receive(AGENT_HELLO);
  assert.equal(h.socket.state, 'connected');

  h.ws().drop(1006);
  assert.equal(h.socket.state, 'reconnecting');
  await h.clock.tick(250);
  h.ws().open();
  assert.equal(h.socket.state, 'reconnecting', 'still reconnecting until the new hello');
  await flush();
  h.ws().receive(AGENT_HELLO);
  assert.equal(h.socket.state, 'connected');

  const ws = h.ws();
  h.socket.close();
  assert.equal(h.socket.state, 'disconnected');
  assert.equal(ws.closedWith.code, 1000);
  await h.clock.tick(120000);
  assert.equal(h.sockets.length, 2, 'no reconnect after close()');
  assert.deepEqual(h.states, ['connecting', 'connected', 'reconnecting', 'connected', 'disconnected']);
});

test('close codes 4401 and 4403 go to error without retrying; 4408 is a normal drop', async () => {
  for (const code of [4401, 4403]) {
    const h = setup();
    const infos = [];
    h.socket.onConnectionStatusChange((s, info) => infos.push([s, info.code]));
    h.socket.connect();
    h.ws().open();
    h.ws().drop(code);
    assert.equal(h.socket.state, 'error');
    assert.deepEqual(infos.at(-1), ['error', code]);
    await h.clock.tick(300000);
    h.win.dispatchEvent(new Event('online'));
    assert.equal(h.sockets.length, 1, `no retry after ${code}`);
    h.socket.connect();
    assert.equal(h.sockets.length, 2, 'connect() tries again explicitly');
  }
  const h = setup();
  h.socket.connect();
  h.ws().open();
  h.ws().drop(4408);
  assert.equal(h.socket.state, 'reconnecting');
  await h.clock.tick(500);
  assert.equal(h.sockets.length, 2);
});

test('4409 (one visitor token, too many sockets): no retry until the page is visible again', async () => {
  const h = setup();
  const infos = [];
  h.socket.onConnectionStatusChange((s, info) => infos.push([s, info.code]));
  h.socket.connect();
  await handshake(h);
  h.doc.visibilityState = 'hidden';
  h.ws().drop(4409);
  assert.equal(h.socket.state, 'error');
  assert.deepEqual(infos.at(-1), ['error', 4409]);
  await h.clock.tick(300000);
  h.win.dispatchEvent(new Event('online'));
  h.doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(h.sockets.length, 1, 'reconnecting would only close another tab');
  h.doc.visibilityState = 'visible';
  h.doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(h.sockets.length, 2, 'the visitor came back to this tab');
  assert.equal(h.socket.state, 'connecting');
  await handshake(h);
  assert.equal(h.socket.state, 'connected');
  h.ws().drop(4409);
  h.socket.sendMessage({ conversationId: 'c1', body: 'typed here' });
  assert.equal(h.sockets.length, 3, 'sending from this tab makes it the live one');
  await handshake(h);
  h.ws().drop(4401);
  h.doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(h.sockets.length, 3, 'a refused token is not brought back by visibility');
});

test('online event and the page becoming visible retry at once instead of waiting', async () => {
  const h = setup({ random: () => 0.999999 });
  h.socket.connect();
  await handshake(h);
  h.ws().drop();
  await h.clock.tick(499); // first retry (attempt 1)
  h.ws().drop();
  assert.equal(h.sockets.length, 2);
  h.win.dispatchEvent(new Event('online'));
  assert.equal(h.sockets.length, 3, 'online retries immediately');
  h.ws().drop();
  h.doc.visibilityState = 'hidden';
  h.doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(h.sockets.length, 3, 'hidden does not retry');
  h.doc.visibilityState = 'visible';
  h.doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(h.sockets.length, 4, 'visible retries immediately');
  h.socket.close();
  h.win.dispatchEvent(new Event('online'));
  assert.equal(h.sockets.length, 4, 'listeners removed by close()');
});

// --- heartbeat -------------------------------------------------------------------------

test('heartbeat pings every 20 s and drops a socket silent for 10 s after a ping', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  const ws = h.ws();
  await h.clock.tick(20000);
  const ping = ws.lastSent('ping');
  assert.ok(ping?.request_id, 'ping carries a request_id');
  ws.receive({ type: 'pong', request_id: ping.request_id });
  await h.clock.tick(20000);
  assert.equal(h.socket.state, 'connected', 'a pong keeps it alive');
  assert.equal(ws.sent.filter((f) => f.type === 'ping').length, 2);

  await h.clock.tick(9999);
  assert.equal(h.socket.state, 'connected');
  await h.clock.tick(1);
  assert.equal(h.socket.state, 'reconnecting', 'no pong within 10 s: dead');
  assert.equal(ws.closedWith.code, 4000, 'the client closes the dead socket itself');
  assert.equal(ws.readyState, FakeWebSocket.CLOSED);
});

test('a socket that opens but never says hello is abandoned after 15 s', async () => {
  const h = setup();
  h.socket.connect();
  h.ws().open();
  await h.clock.tick(14999);
  assert.equal(h.sockets.length, 1);
  await h.clock.tick(1);
  assert.equal(h.socket.state, 'reconnecting');
  assert.equal(h.sockets[0].closedWith.code, 4000);
  await h.clock.tick(250);
  assert.equal(h.sockets.length, 2);
});

test('a tab becoming visible pings at once to check a socket that may have died during sleep', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  h.doc.dispatchEvent(new Event('visibilitychange'));
  assert.ok(h.ws().lastSent('ping'), 'immediate ping');
  await h.clock.tick(10000);
  assert.equal(h.socket.state, 'reconnecting', 'no answer: the socket was dead');
});

test('any frame counts as a sign of life for the heartbeat', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  await h.clock.tick(20000);
  h.ws().receive({ type: 'presence:update', agent: { id: 'u2', name: 'Bob' }, status: 'online' });
  await h.clock.tick(9000);
  assert.equal(h.socket.state, 'connected');
});

// --- requests --------------------------------------------------------------------------

test('request resolves with the matching ack and rejects with the error code', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  const a = h.socket.request('conversation:join', { conversation_id: 'c1' });
  const b = h.socket.request('presence:set', { status: 'bogus' });
  const [fa, fb] = h.ws().sent;
  assert.equal(fa.type, 'conversation:join');
  assert.equal(fa.conversation_id, 'c1');
  assert.notEqual(fa.request_id, fb.request_id);
  // Answers in the reverse order still reach the right caller.
  h.ws().receive({ type: 'error', request_id: fb.request_id, code: 'validation_error', message: 'bad status' });
  h.ws().receive({ type: 'ack', request_id: fa.request_id, ok: 1 });
  assert.deepEqual(await a, { type: 'ack', request_id: fa.request_id, ok: 1 });
  await assert.rejects(b, (err) => err.code === 'validation_error' && err.message === 'bad status');
});

test('request rejects on timeout, on a drop before the answer, and when not connected', async () => {
  const h = setup();
  await assert.rejects(h.socket.request('ping'), { code: 'not_connected' });
  h.socket.connect();
  await handshake(h);
  const slow = assert.rejects(h.socket.request('presence:set', { status: 'away' }), { code: 'timeout' });
  const late = h.ws().lastSent('presence:set');
  await h.clock.tick(10000);
  await slow;
  h.ws().receive({ type: 'ack', request_id: late.request_id }); // a late answer is ignored
  assert.equal(h.socket.state, 'connected');

  const cut = h.socket.request('presence:set', { status: 'online' });
  h.ws().drop();
  await assert.rejects(cut, { code: 'disconnected' });
});

// --- dedup -----------------------------------------------------------------------------

test('onMessage dedups new_message by id and updates by version', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  const ws = h.ws();
  ws.receive({ type: 'new_message', message: msg('m1', 1) });
  ws.receive({ type: 'new_message', message: msg('m1', 1) });
  ws.receive({ type: 'message:updated', message: msg('m1', 3, { body: 'edited' }) });
  ws.receive({ type: 'message:updated', message: msg('m1', 3, { body: 'edited' }) });
  ws.receive({ type: 'message:updated', message: msg('m1', 2, { body: 'older' }) });
  ws.receive({ type: 'message:deleted', message: msg('m1', 4, { body: '', deleted: true }) });
  ws.receive({ type: 'new_message', message: msg('m1', 1) });
  assert.deepEqual(h.messages, [['m1', 'new', 1], ['m1', 'updated', 3], ['m1', 'deleted', 4]]);
});

test('messages seeded from REST history are not delivered again as new', async () => {
  const h = setup();
  h.socket.seedMessages([msg('m1', 1), msg('m2', 2)]);
  h.socket.connect();
  await handshake(h);
  h.ws().receive({ type: 'new_message', message: msg('m2', 2) });
  h.ws().receive({ type: 'message:updated', message: msg('m2', 3) });
  assert.deepEqual(h.messages, [['m2', 'updated', 3]]);
});

test('a throwing callback is logged and does not stop other callbacks or the socket', async () => {
  const h = setup();
  h.socket.onMessage(() => { throw new Error('ui bug'); });
  const seen = [];
  h.socket.onMessage((m) => seen.push(m.id));
  h.socket.on('hello', () => { throw new Error('hello bug'); });
  h.socket.connect();
  await handshake(h);
  h.ws().receive({ type: 'new_message', message: msg('m1', 1) });
  assert.deepEqual(seen, ['m1']);
  assert.equal(h.socket.state, 'connected');
  assert.equal(h.errors.length, 2);
});

test('on(type) delivers broadcasts and its unsubscribe stops them', async () => {
  const h = setup();
  const got = [];
  const off = h.socket.on('typing:start', (f) => got.push(f.conversation_id));
  h.socket.connect();
  await handshake(h);
  h.ws().receive({ type: 'typing:start', conversation_id: 'c1', sender: { type: 'visitor' } });
  off();
  h.ws().receive({ type: 'typing:start', conversation_id: 'c2', sender: { type: 'visitor' } });
  assert.deepEqual(got, ['c1']);
});

// --- sync ------------------------------------------------------------------------------

test('after a reconnect each tracked conversation is synced from its version, results delivered once', async () => {
  const h = setup();
  h.socket.track('c1', 5);
  h.socket.track('c2', 7);
  h.socket.track('c3', 1);
  h.socket.untrack('c3');
  h.socket.connect();
  await handshake(h);
  assert.equal(h.ws().lastSent('sync'), undefined, 'no sync on the first hello');
  h.ws().receive({ type: 'new_message', message: msg('m6', 6) });
  assert.equal(h.socket.version('c1'), 6);

  h.ws().drop();
  await h.clock.tick(250);
  await handshake(h);
  const syncs = h.ws().sent.filter((f) => f.type === 'sync');
  assert.deepEqual(syncs.map((f) => [f.conversation_id, f.since_version]), [['c1', 6], ['c2', 7]]);

  const c1 = syncs[0];
  h.ws().receive({
    type: 'ack', request_id: c1.request_id, version: 9,
    messages: [msg('m6', 8, { body: 'edited', edited_at: '2025-01-01T00:01:00Z' }), msg('m7', 9)],
  });
  h.ws().receive({ type: 'new_message', message: msg('m7', 9) }); // the broadcast arriving too
  await flush();
  assert.deepEqual(h.messages, [['m6', 'new', 6], ['m6', 'updated', 8], ['m7', 'new', 9]]);
  assert.equal(h.socket.version('c1'), 9, 'the sync ack moves the version');

  h.ws().drop();
  await h.clock.tick(250);
  await handshake(h);
  const again = h.ws().sent.filter((f) => f.type === 'sync').map((f) => [f.conversation_id, f.since_version]);
  assert.deepEqual(again, [['c1', 9], ['c2', 7]]);
});

test('a version gap in live broadcasts (a dropped broadcast) triggers a sync from the last contiguous version', async () => {
  const h = setup();
  h.socket.track('c1', 5);
  h.socket.connect();
  await handshake(h);
  h.ws().receive({ type: 'new_message', message: msg('m8', 8) });
  const sync = h.ws().lastSent('sync');
  assert.deepEqual([sync?.conversation_id, sync?.since_version], ['c1', 5]);
  h.ws().receive({ type: 'ack', request_id: sync.request_id, version: 8, messages: [msg('m6', 6), msg('m7', 7), msg('m8', 8)] });
  assert.deepEqual(h.messages.map(([id]) => id), ['m8', 'm6', 'm7']);
  assert.equal(h.socket.version('c1'), 8);
});

test('a sync answer cut short (has_more) is followed by the next one from its version, until done', async () => {
  const h = setup();
  h.socket.track('c1', 5);
  h.socket.connect();
  await handshake(h);
  h.ws().receive({ type: 'new_message', message: msg('m9', 9) }); // a gap: 6..8 missing
  await flush();
  const first = h.ws().lastSent('sync');
  assert.equal(first.since_version, 5);
  h.ws().receive({ type: 'ack', request_id: first.request_id, version: 7, has_more: true, messages: [msg('m6', 6), msg('m7', 7)] });
  await flush();
  const second = h.ws().lastSent('sync');
  assert.notEqual(second.request_id, first.request_id, 'asked again');
  assert.equal(second.since_version, 7, 'from the version of the cut answer');
  h.ws().receive({ type: 'ack', request_id: second.request_id, version: 9, has_more: false, messages: [msg('m8', 8), msg('m9', 9)] });
  await flush();
  assert.deepEqual(h.messages.map(([id]) => id), ['m9', 'm6', 'm7', 'm8']);
  assert.equal(h.socket.version('c1'), 9);
  assert.equal(h.ws().sent.filter((f) => f.type === 'sync').length, 2, 'and stops when done');
});

test('a sync answer that says has_more without moving forward does not loop', async () => {
  const h = setup();
  h.socket.track('c1', 5);
  h.socket.connect();
  await handshake(h);
  h.ws().receive({ type: 'new_message', message: msg('m9', 9) });
  await flush();
  const first = h.ws().lastSent('sync');
  h.ws().receive({ type: 'ack', request_id: first.request_id, version: 5, has_more: true, messages: [] });
  await flush();
  assert.equal(h.ws().sent.filter((f) => f.type === 'sync').length, 1);
});

test('visitor: auth is the first frame, then hello tracks its conversation and resyncs without conversation_id', async () => {
  const h = setup({ url: 'ws://test/ws/visitor/', role: 'visitor', getToken: async () => 'tok-1' });
  h.socket.sendMessage({ body: 'typed before connecting' });
  h.socket.connect();
  h.ws().open();
  assert.equal(h.ws().sent.length, 0, 'nothing before the token resolves');
  await flush();
  assert.deepEqual(h.ws().sent[0], { type: 'auth', token: 'tok-1' });
  assert.equal(h.ws().sent.length, 1);
  assert.equal(h.socket.state, 'connecting');
  const conversation = { id: 'c1', status: 'open', version: 4 };
  h.ws().receive({ type: 'hello', role: 'visitor', visitor: { id: 'v1' }, conversation });
  await flush();
  const send = h.ws().lastSent('send_message');
  assert.equal(send.body, 'typed before connecting');
  assert.equal('conversation_id' in send, false, 'visitors never name the conversation');

  h.ws().drop();
  await h.clock.tick(250);
  h.ws().open();
  await flush();
  assert.deepEqual(h.ws().sent[0], { type: 'auth', token: 'tok-1' }, 'auth first on every connection');
  h.ws().receive({ type: 'hello', role: 'visitor', visitor: { id: 'v1' }, conversation: { ...conversation, version: 6 } });
  await flush();
  assert.deepEqual(h.ws().sent.slice(1).map((f) => [f.type, f.since_version, f.conversation_id]), [['sync', 4, undefined]]);
});

test('visitor: a failing getToken is retried with backoff, not left hanging', async () => {
  let calls = 0;
  const h = setup({ role: 'visitor', getToken: async () => { calls++; throw new Error('offline'); } });
  h.socket.connect();
  h.ws().open();
  await flush();
  assert.equal(h.socket.state, 'reconnecting');
  await h.clock.tick(500);
  h.ws().open();
  await flush();
  assert.equal(calls, 2);
});

// --- outbox ----------------------------------------------------------------------------

test('outbox: offline send is "sending" and stored, sent after hello, removed once acked, delivered once', async () => {
  const h = setup();
  const snapshots = [];
  h.socket.onOutboxChange((items) => snapshots.push(items.map((i) => i.state)));
  const clientId = h.socket.sendMessage({ conversationId: 'c1', body: 'hello there' });
  assert.match(clientId, /^c-[0-9a-f]{32}$/);
  assert.deepEqual(snapshots, [['sending']]);
  const stored = JSON.parse(h.storage.getItem('livechat.outbox.agent'));
  assert.deepEqual(stored.map((i) => [i.client_id, i.conversation_id, i.body, i.state]), [[clientId, 'c1', 'hello there', 'sending']]);
  assert.equal(stored[0].created_at, '1970-01-01T00:00:00.000Z');

  h.socket.connect();
  await handshake(h);
  const frame = h.ws().lastSent('send_message');
  assert.deepEqual([frame.client_id, frame.conversation_id, frame.body], [clientId, 'c1', 'hello there']);
  const acked = msg('m1', 1, { client_id: clientId, sender: { type: 'agent', id: 'u1', name: 'Alice' } });
  await ack(h, 'send_message', { message: acked });
  h.ws().receive({ type: 'new_message', message: acked });
  assert.deepEqual(h.socket.outbox, []);
  assert.equal(h.storage.getItem('livechat.outbox.agent'), null);
  assert.deepEqual(h.messages, [['m1', 'new', 1]]);
  assert.deepEqual(snapshots.at(-1), []);
});

test('outbox: a drop before the ack resends the same client_id after the sync', async () => {
  const h = setup();
  h.socket.track('c1', 0);
  h.socket.connect();
  await handshake(h);
  const clientId = h.socket.sendMessage({ conversationId: 'c1', body: 'one' });
  assert.equal(h.ws().lastSent('send_message').client_id, clientId);
  h.ws().drop();
  await h.clock.tick(250);
  await handshake(h);
  assert.equal(h.ws().lastSent('send_message'), undefined, 'waits for the sync first');
  await ack(h, 'sync', { messages: [], version: 0 });
  assert.equal(h.ws().lastSent('send_message').client_id, clientId, 'same idempotency key');
  assert.equal(h.socket.outbox[0].state, 'sending');
});

test('outbox: a message the server stored before the drop is cleared by the sync, not resent', async () => {
  const h = setup();
  h.socket.track('c1', 0);
  h.socket.connect();
  await handshake(h);
  const clientId = h.socket.sendMessage({ conversationId: 'c1', body: 'one' });
  h.ws().drop();
  await h.clock.tick(250);
  await handshake(h);
  const stored = msg('m1', 1, { client_id: clientId, sender: { type: 'agent', id: 'u1', name: 'Alice' } });
  await ack(h, 'sync', { messages: [stored], version: 1 });
  assert.deepEqual(h.socket.outbox, []);
  assert.equal(h.ws().lastSent('send_message'), undefined);
  assert.deepEqual(h.messages, [['m1', 'new', 1]]);
});

test('outbox: validation_error marks the item failed and it is not retried', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  const clientId = h.socket.sendMessage({ conversationId: 'c1', body: 'x'.repeat(5001) });
  const next = h.socket.sendMessage({ conversationId: 'c1', body: 'short' });
  h.ws().receive({ type: 'error', request_id: h.ws().lastSent('send_message').request_id, code: 'validation_error', message: 'too long' });
  await flush();
  assert.deepEqual(h.socket.outbox.map((i) => [i.client_id, i.state]), [[clientId, 'failed'], [next, 'sending']]);
  assert.equal(h.socket.outbox[0].error, 'validation_error');
  assert.equal(JSON.parse(h.storage.getItem('livechat.outbox.agent'))[0].state, 'failed', 'kept, not dropped');
  assert.equal(h.ws().lastSent('send_message').client_id, next, 'the queue moves on');

  h.ws().drop();
  await h.clock.tick(250);
  await handshake(h);
  assert.deepEqual(h.ws().sent.filter((f) => f.type === 'send_message').map((f) => f.client_id), [next]);
  assert.equal(h.socket.retryMessage(clientId), true);
  assert.equal(h.socket.discardMessage(next), false, 'only failed items can be discarded');
});

test('outbox: survives re-construction from storage and is flushed on the first connect', async () => {
  const storage = createMemoryStorage();
  const first = setup({ storage });
  const clientId = first.socket.sendMessage({ conversationId: 'c1', body: 'before reload' });

  const h = setup({ storage }); // the page reloads
  assert.deepEqual(h.socket.outbox.map((i) => [i.client_id, i.body, i.state]), [[clientId, 'before reload', 'sending']]);
  h.socket.connect();
  await handshake(h);
  assert.equal(h.ws().lastSent('send_message').client_id, clientId);
  await ack(h, 'send_message', { message: msg('m1', 1, { client_id: clientId, sender: { type: 'agent' } }) });
  assert.equal(storage.getItem('livechat.outbox.agent'), null);
});

test('outbox: a message with uploaded files typed offline survives a reload and goes with their ids', async () => {
  const storage = createMemoryStorage();
  const files = [{ id: 'a1', name: 'shot.png', thumbnail_url: '/t' }, { id: 'a2', name: 'x.pdf' }];
  const first = setup({ storage }); // never connected: offline
  const clientId = first.socket.sendMessage({ conversationId: 'c1', body: '', attachments: files });

  const h = setup({ storage }); // the page reloads
  assert.deepEqual(h.socket.outbox[0].attachments, files, 'kept to draw the pending message');
  h.socket.connect();
  await handshake(h);
  const sent = h.ws().lastSent('send_message');
  assert.equal(sent.client_id, clientId);
  assert.equal(sent.body, '');
  assert.deepEqual(sent.attachments, ['a1', 'a2']);
  const plain = h.socket.sendMessage({ conversationId: 'c1', body: 'no files' });
  await ack(h, 'send_message', { message: msg('m1', 1, { client_id: clientId, sender: { type: 'agent' } }) });
  assert.equal('attachments' in h.ws().lastSent('send_message'), false, `${plain}: no empty list sent`);
});

test('outbox: messages go one at a time, in the order typed', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  const a = h.socket.sendMessage({ conversationId: 'c1', body: 'a' });
  const b = h.socket.sendMessage({ conversationId: 'c1', body: 'b' });
  assert.deepEqual(h.ws().sent.filter((f) => f.type === 'send_message').map((f) => f.client_id), [a]);
  await ack(h, 'send_message', { message: msg('m1', 1, { client_id: a, sender: { type: 'agent' } }) });
  assert.deepEqual(h.ws().sent.filter((f) => f.type === 'send_message').map((f) => f.client_id), [a, b]);
});

test('outbox: rate_limited keeps the item sending and retries it later with the same client_id', async () => {
  const h = setup();
  h.socket.connect();
  await handshake(h);
  const clientId = h.socket.sendMessage({ conversationId: 'c1', body: 'hi' });
  const first = h.ws().lastSent('send_message');
  h.ws().receive({ type: 'error', request_id: first.request_id, code: 'rate_limited', message: 'slow down' });
  await flush();
  assert.equal(h.socket.outbox[0].state, 'sending');
  await h.clock.tick(500);
  const second = h.ws().lastSent('send_message');
  assert.notEqual(second.request_id, first.request_id);
  assert.equal(second.client_id, clientId);
});

test('outbox: a private note keeps internal: true through storage and the resend; a reply sends none', async () => {
  const h = setup();
  const noteId = h.socket.sendMessage({ conversationId: 'c1', body: 'for agents', internal: true });
  const replyId = h.socket.sendMessage({ conversationId: 'c1', body: 'for the visitor' });
  const stored = JSON.parse(h.storage.getItem('livechat.outbox.agent'));
  assert.deepEqual(stored.map((i) => [i.client_id, i.internal === true]), [[noteId, true], [replyId, false]]);
  h.socket.connect();
  await handshake(h);
  const note = h.ws().lastSent('send_message');
  assert.deepEqual([note.client_id, note.internal], [noteId, true]);
  await ack(h, 'send_message', { message: msg('m1', 1, { client_id: noteId, internal: true, sender: { type: 'agent', id: 'u1', name: 'A' } }) });
  const reply = h.ws().lastSent('send_message');
  assert.equal(reply.client_id, replyId);
  assert.equal('internal' in reply, false);
});
