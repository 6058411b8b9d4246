// @ts-check
/**
 * Pro Livechat client socket: the one WebSocket client used by the agent dashboard and
 * the visitor widget. Wire contract: PROTOCOL.md section 4. Plain ES module, no
 * dependencies; every browser global is injectable so Node's test runner can drive it.
 *
 * Guarantees callers rely on:
 * - "connected" means the server said `hello`, not merely that TCP is open.
 * - Nothing typed is lost: the outbox lives in storage until the server acks it, and a
 *   retry reuses the same client_id, which the server treats as an idempotency key.
 * - Nothing missed is lost: after every reconnect (and whenever a version gap shows a
 *   dropped broadcast) tracked conversations are re-read with `sync`, and everything,
 *   live or synced, goes through one dedup path before reaching `onMessage`.
 * Callers render onMessage as upserts keyed by message id (replacing an optimistic item
 * with the same client_id), and hand REST-loaded history to seedMessages().
 *
 * @typedef {'connecting'|'connected'|'reconnecting'|'disconnected'|'error'} ConnectionState
 * @typedef {'new'|'updated'|'deleted'} MessageKind
 * @typedef {{id: string, conversation_id: string, seq: number, version: number,
 *   client_id: string|null, sender: {type: string, id: string|null, name: string},
 *   body: string, attachments: any[], created_at: string, edited_at: string|null,
 *   deleted: boolean}} Message
 * @typedef {{client_id: string, conversation_id: string|null, body: string, internal?: boolean,
 *   attachments?: any[], created_at: string, state: 'sending'|'failed', error?: string}} OutboxItem
 * @typedef {{getItem(k: string): string|null, setItem(k: string, v: string): void,
 *   removeItem(k: string): void}} StorageLike
 * @typedef {{addEventListener: Function, removeEventListener: Function,
 *   visibilityState?: string}} EventTargetLike
 * @typedef {object} LivechatSocketOptions
 * @property {string} url  ws:// or wss:// URL of /ws/agent/ or /ws/visitor/
 * @property {'agent'|'visitor'} role
 * @property {() => Promise<string>|string} [getToken]  visitor token for the auth frame (required for visitors)
 * @property {any} [WebSocketImpl]  default globalThis.WebSocket
 * @property {StorageLike} [storage]  default localStorage, or memory when unavailable
 * @property {string} [storageKey]  default `livechat.outbox.<role>`
 * @property {() => number} [random]  default Math.random (backoff jitter)
 * @property {Function} [setTimeout]
 * @property {Function} [clearTimeout]
 * @property {Function} [setInterval]
 * @property {Function} [clearInterval]
 * @property {() => number} [now]  default Date.now
 * @property {EventTargetLike} [window]  receives `online`; default globalThis.window
 * @property {EventTargetLike} [document]  receives `visibilitychange`; default globalThis.document
 * @property {number} [backoffBase]  ms, default 500
 * @property {number} [backoffCap]  ms, default 30000
 * @property {number} [heartbeatInterval]  ms, default 20000
 * @property {number} [heartbeatTimeout]  ms, default 10000
 * @property {number} [requestTimeout]  ms, default 10000
 * @property {number} [connectTimeout]  ms from socket creation to `hello`, default 15000
 * @property {{error: Function}} [logger]  default console
 */

const OPEN = 1;
// The server refused our credentials: retrying with the same ones cannot succeed.
const AUTH_REFUSED = new Set([4401, 4403]);
// Too many sockets of one visitor token: the server closed this, the oldest. Reconnecting
// at once would close another tab, which would reconnect in turn; this one comes back when
// the visitor turns to it again (the page becomes visible, or they send from it).
const SUPERSEDED = 4409;
// Failures that say nothing about the message itself, so the outbox keeps retrying.
const TRANSIENT = new Set(['rate_limited', 'timeout', 'disconnected', 'not_connected']);
const BROADCAST_KINDS = { new_message: 'new', 'message:updated': 'updated', 'message:deleted': 'deleted' };
const ACK_KINDS = { send_message: 'new', edit_message: 'updated', delete_message: 'deleted' };

/** An error frame, or a client-side failure (`timeout`, `disconnected`, `not_connected`). */
export class LivechatError extends Error {
  /** @param {string} code @param {string} [message] @param {object} [frame] */
  constructor(code, message, frame) {
    super(message || code);
    this.name = 'LivechatError';
    this.code = code;
    this.frame = frame;
  }
}

/**
 * Reconnect delay for the given attempt (1 = first retry), using "full jitter": a uniform
 * draw from [0, min(cap, base * 2^(attempt-1))). Full jitter spreads a crowd of widgets
 * that lost the same server over the whole window instead of bunching them at its edges.
 * @param {number} attempt
 * @param {{base?: number, cap?: number, random?: () => number}} [options]
 */
export function backoffDelay(attempt, { base = 500, cap = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** @returns {StorageLike} */
export function createMemoryStorage() {
  const data = new Map();
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => void data.set(k, String(v)),
    removeItem: (k) => void data.delete(k),
  };
}

/** localStorage throws in sandboxed iframes and some private modes; fall back to memory. */
function defaultStorage() {
  try {
    const s = globalThis.localStorage;
    if (s) {
      s.getItem('livechat.probe');
      return s;
    }
  } catch {
    /* fall through */
  }
  return createMemoryStorage();
}

/** client_ids are idempotency keys: a collision would make the server swallow a message. */
function randomHex(bytes, random) {
  const c = globalThis.crypto;
  const arr = c?.getRandomValues
    ? Array.from(c.getRandomValues(new Uint8Array(bytes)))
    : Array.from({ length: bytes }, () => Math.floor(random() * 256));
  return arr.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** @returns {OutboxItem[]} */
function parseOutbox(raw) {
  try {
    const list = JSON.parse(raw || '[]');
    if (!Array.isArray(list)) return [];
    return list
      .filter((i) => i && typeof i.client_id === 'string' && typeof i.body === 'string')
      .map((i) => ({ ...i, attachments: Array.isArray(i.attachments) ? i.attachments : [], state: i.state === 'failed' ? 'failed' : 'sending' }));
  } catch {
    return [];
  }
}

export class LivechatSocket {
  /** @type {ConnectionState} */ #state = 'disconnected';
  #o; #t; #gen = 0; #attempt = 0; #nextId = 0; #helloSeen = false;
  /** @type {any} the current WebSocket; handlers of a replaced one are detached */ #ws = null;
  /** @type {any} */ #retryTimer = null;
  /** @type {any} */ #watchdog = null;
  /** @type {any} */ #heartbeat = null;
  /** @type {(() => void)|null} */ #detachWakeups = null;
  /** @type {Map<string, {resolve: Function, reject: Function, timer: any, type: string, payload: any, syncFor?: string}>} */
  #pending = new Map();
  /** @type {Map<string, Set<Function>>} */ #listeners = new Map();
  /** Per conversation: every change up to this version has been delivered (or was known to the caller). */
  #versions = new Map();
  #tracked = new Set();
  #syncing = new Map();
  /** Per message id: the highest version delivered through onMessage. */
  #delivered = new Map();
  /** @type {OutboxItem[]} */ #outbox;
  #pumping = null; #outboxTimer = null; #outboxAttempt = 0; #resyncing = false;
  #superseded = false;

  /** @param {LivechatSocketOptions} options */
  constructor(options) {
    const o = options || /** @type {any} */ ({});
    if (!o.url) throw new TypeError('LivechatSocket: url is required');
    if (o.role !== 'agent' && o.role !== 'visitor') throw new TypeError('LivechatSocket: role must be "agent" or "visitor"');
    if (o.role === 'visitor' && typeof o.getToken !== 'function') throw new TypeError('LivechatSocket: visitors need getToken');
    const g = /** @type {any} */ (globalThis);
    this.#o = {
      url: o.url, role: o.role, getToken: o.getToken,
      WebSocketImpl: o.WebSocketImpl ?? g.WebSocket,
      storage: o.storage ?? defaultStorage(),
      storageKey: o.storageKey ?? `livechat.outbox.${o.role}`,
      random: o.random ?? Math.random,
      window: o.window ?? g.window, document: o.document ?? g.document,
      backoff: { base: o.backoffBase ?? 500, cap: o.backoffCap ?? 30000 },
      heartbeatInterval: o.heartbeatInterval ?? 20000, heartbeatTimeout: o.heartbeatTimeout ?? 10000,
      requestTimeout: o.requestTimeout ?? 10000, connectTimeout: o.connectTimeout ?? 15000,
      logger: o.logger ?? console,
    };
    // Called unbound: browser timer functions throw "Illegal invocation" with a foreign `this`.
    const [st, ct, si, ci, now] = [o.setTimeout ?? g.setTimeout, o.clearTimeout ?? g.clearTimeout,
      o.setInterval ?? g.setInterval, o.clearInterval ?? g.clearInterval, o.now ?? Date.now];
    this.#t = { setTimeout: (f, ms) => st(f, ms), clearTimeout: (id) => ct(id),
      setInterval: (f, ms) => si(f, ms), clearInterval: (id) => ci(id), now: () => now() };
    this.#outbox = parseOutbox(this.#readStorage());
  }

  /** @returns {ConnectionState} */
  get state() { return this.#state; }

  /** @returns {OutboxItem[]} copies of the pending and failed items, oldest first */
  get outbox() { return this.#outbox.map((i) => ({ ...i })); }

  /**
   * The version up to which a conversation is known complete: the next sync's since_version.
   * @param {string} conversationId @returns {number|undefined}
   */
  version(conversationId) { return this.#versions.get(conversationId); }

  connect() {
    if (this.#state === 'reconnecting') return this.#retryNow();
    if (this.#state === 'connecting' || this.#state === 'connected') return;
    this.#attempt = 0;
    this.#listenForWakeups();
    this.#setState('connecting');
    this.#open();
  }

  close() {
    this.#detachWakeups?.();
    this.#detachWakeups = null;
    this.#clearRetry();
    this.#teardown(1000, 'client closed');
    this.#setState('disconnected');
  }

  /** @param {(state: ConnectionState, info: {code?: number, reason?: string, delay?: number, error?: any}) => void} cb */
  onConnectionStatusChange(cb) { return this.#subscribe('status', cb); }
  /** @param {(message: Message, kind: MessageKind) => void} cb */
  onMessage(cb) { return this.#subscribe('message', cb); }
  /** @param {(items: OutboxItem[]) => void} cb */
  onOutboxChange(cb) { return this.#subscribe('outbox', cb); }
  /**
   * Raw server frames without request_id (broadcasts, `hello` on every connect), as received:
   * message events here are not deduped, use onMessage for that.
   * @param {string} type @param {(frame: any) => void} cb @returns {() => void} unsubscribe
   */
  on(type, cb) { return this.#subscribe(`event:${type}`, cb); }

  /**
   * Sends a frame with a fresh request_id; resolves with the `ack` (or `pong`) frame, rejects
   * with a LivechatError carrying the error frame's `code`, or `timeout` / `disconnected` /
   * `not_connected`. Not queued while offline: only the outbox may safely replay writes.
   * @param {string} type @param {object} [payload] @returns {Promise<any>}
   */
  request(type, payload = {}) { return this.#request(type, payload); }

  /**
   * Fire-and-forget frame without request_id (e.g. typing:start): the server answers nothing.
   * @param {string} type @param {object} [payload] @returns {boolean} whether it was handed to the socket
   */
  send(type, payload = {}) { return this.#state === 'connected' && this.#sendRaw({ ...payload, type }); }

  /**
   * Keep a conversation complete across reconnects, starting from what the caller already has.
   * @param {string} conversationId @param {number} [lastKnownVersion] the `version` of the caller's last REST read
   */
  track(conversationId, lastKnownVersion) {
    const given = Number(lastKnownVersion ?? NaN);
    const cur = this.#versions.get(conversationId);
    const next = this.#tracked.has(conversationId)
      ? Math.max(cur ?? 0, Number.isFinite(given) ? given : 0)
      : (Number.isFinite(given) ? given : cur ?? 0);
    this.#versions.set(conversationId, next);
    this.#tracked.add(conversationId);
  }

  /** @param {string} conversationId */
  untrack(conversationId) {
    this.#tracked.delete(conversationId);
    // While untracked, versions may jump past gaps; a later track() must not trust them.
    this.#versions.delete(conversationId);
  }

  /**
   * Register messages the caller loaded over REST, so they are not delivered again as "new".
   * @param {Message[]} messages
   */
  seedMessages(messages) {
    for (const m of messages || []) {
      if (m?.id != null) this.#delivered.set(m.id, Math.max(this.#delivered.get(m.id) ?? -1, Number(m.version) || 0));
    }
  }

  /**
   * Queue a message; it is stored, shown as "sending" and sent whenever connected.
   * `attachments`: Attachment objects already uploaded (their ids are sent; the objects
   * are kept to draw the pending message). `internal` (agents): a private note, never
   * shown to the visitor.
   * @param {{conversationId?: string|null, body: string, attachments?: any[], internal?: boolean}} message
   * @returns {string} the client_id that the acked Message will carry
   */
  sendMessage({ conversationId = null, body, attachments = [], internal = false }) {
    if (typeof body !== 'string') throw new TypeError('sendMessage: body must be a string');
    if (this.#o.role === 'agent' && conversationId == null) throw new TypeError('sendMessage: agents must give conversationId');
    /** @type {OutboxItem} */
    const item = { client_id: `c-${randomHex(16, this.#o.random)}`, conversation_id: conversationId,
      body, attachments, created_at: new Date(this.#t.now()).toISOString(), state: 'sending' };
    if (internal === true) item.internal = true;
    this.#outbox.push(item);
    this.#persist(item);
    // Writing in a tab closed for another one (4409) makes it the live one again.
    if (this.#state === 'error' && this.#superseded) this.connect();
    this.#pumpOutbox();
    return item.client_id;
  }

  /** Put a failed item back in the queue (the user pressed "retry"). @param {string} clientId */
  retryMessage(clientId) {
    const item = this.#outbox.find((i) => i.client_id === clientId && i.state === 'failed');
    if (!item) return false;
    item.state = 'sending';
    delete item.error;
    this.#persist(item);
    this.#pumpOutbox();
    return true;
  }

  /** Drop a failed item: only on an explicit user action, never automatically. @param {string} clientId */
  discardMessage(clientId) {
    if (!this.#outbox.some((i) => i.client_id === clientId && i.state === 'failed')) return false;
    this.#removeOutbox(clientId);
    return true;
  }

  // --- connection lifecycle -------------------------------------------------------------

  #open() {
    this.#retryTimer = null;
    let ws;
    try {
      ws = new this.#o.WebSocketImpl(this.#o.url);
    } catch (error) {
      // A bad URL or a blocked insecure socket will not fix itself by retrying.
      this.#log('could not create the WebSocket', error);
      return this.#setState('error', { error });
    }
    this.#ws = ws;
    this.#armWatchdog(this.#o.connectTimeout);
    ws.onopen = () => this.#onOpen(ws);
    ws.onmessage = (ev) => this.#onFrame(ws, ev.data);
    ws.onclose = (ev) => ws === this.#ws && this.#lost(ev?.code, ev?.reason);
  }

  #onOpen(ws) {
    if (ws !== this.#ws || this.#o.role !== 'visitor') return; // agents authenticate by cookie
    const getToken = this.#o.getToken;
    Promise.resolve().then(() => getToken()).then(
      (token) => ws === this.#ws && this.#sendRaw({ type: 'auth', token }),
      (error) => {
        this.#log('getToken failed', error);
        if (ws === this.#ws) this.#lost(4000, 'no visitor token');
      });
  }

  /** The socket is gone (server close, dead heartbeat): refused auth stops, anything else retries. */
  #lost(code, reason) {
    this.#teardown(4000, reason || 'connection lost');
    this.#superseded = code === SUPERSEDED;
    if (AUTH_REFUSED.has(code) || this.#superseded) return this.#setState('error', { code, reason });
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt, { ...this.#o.backoff, random: this.#o.random });
    this.#setState('reconnecting', { code, reason, delay });
    this.#retryTimer = this.#t.setTimeout(() => this.#open(), delay);
  }

  #teardown(code, reason) {
    const ws = this.#ws;
    this.#ws = null;
    this.#gen += 1;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try { ws.close(code, reason); } catch { /* already closed */ }
    }
    this.#clearWatchdog();
    if (this.#heartbeat != null) this.#t.clearInterval(this.#heartbeat);
    if (this.#outboxTimer != null) this.#t.clearTimeout(this.#outboxTimer);
    this.#heartbeat = this.#outboxTimer = this.#pumping = null;
    this.#syncing.clear();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      this.#t.clearTimeout(p.timer);
      p.reject(new LivechatError('disconnected', `${p.type}: the socket closed before the answer`));
    }
  }

  #retryNow() {
    if (this.#retryTimer == null) return; // an attempt is already under way
    this.#clearRetry();
    this.#open();
  }

  #clearRetry() {
    if (this.#retryTimer != null) this.#t.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** Network back, or tab visible again: don't sit out the backoff, and check a possibly stale socket. */
  #listenForWakeups() {
    if (this.#detachWakeups) return;
    const { window: win, document: doc } = this.#o;
    const wake = () => (this.#state === 'reconnecting' ? this.#retryNow() : this.#ping());
    const onVisibility = () => {
      if (doc.visibilityState !== 'visible') return;
      if (this.#state === 'error' && this.#superseded) this.connect();
      else wake();
    };
    win?.addEventListener?.('online', wake);
    doc?.addEventListener?.('visibilitychange', onVisibility);
    this.#detachWakeups = () => {
      win?.removeEventListener?.('online', wake);
      doc?.removeEventListener?.('visibilitychange', onVisibility);
    };
  }

  /** A socket the browser still believes open may be dead (sleep, NAT timeout); any frame proves life. */
  #armWatchdog(ms) {
    if (this.#watchdog != null) return;
    const ws = this.#ws;
    this.#watchdog = this.#t.setTimeout(() => {
      this.#watchdog = null;
      if (ws === this.#ws) this.#lost(4000, 'no frame from the server in time');
    }, ms);
  }

  #clearWatchdog() {
    if (this.#watchdog != null) this.#t.clearTimeout(this.#watchdog);
    this.#watchdog = null;
  }

  #ping() {
    if (this.#state !== 'connected') return;
    if (!this.#sendRaw({ type: 'ping', request_id: `hb${++this.#nextId}` })) return this.#lost(4000, 'send failed');
    this.#armWatchdog(this.#o.heartbeatTimeout);
  }

  // --- frames ---------------------------------------------------------------------------

  #onFrame(ws, data) {
    if (ws !== this.#ws) return;
    this.#clearWatchdog();
    let frame;
    try { frame = JSON.parse(data); } catch { return; }
    if (!frame || typeof frame !== 'object') return;
    if (frame.type === 'hello') return this.#onHello(frame);
    if (frame.request_id != null) {
      // Unknown ids are heartbeat pongs or answers that arrived after their timeout.
      const p = this.#pending.get(frame.request_id);
      if (p) this.#settle(frame.request_id, p, frame);
      return;
    }
    const kind = BROADCAST_KINDS[frame.type];
    if (kind) this.#ingest(frame.message, kind);
    this.#emit(`event:${frame.type}`, frame);
  }

  #onHello(frame) {
    const first = !this.#helloSeen;
    this.#helloSeen = true;
    this.#attempt = 0;
    const conv = frame.conversation;
    // On the first hello the widget loads history itself, so the baseline is "now"; later, a
    // conversation we never saw (created from another tab) must be read from the start.
    if (this.#o.role === 'visitor' && conv?.id != null && !this.#tracked.has(conv.id)) {
      this.track(conv.id, first ? conv.version : 0);
    }
    this.#setState('connected');
    if (this.#heartbeat != null) this.#t.clearInterval(this.#heartbeat);
    this.#heartbeat = this.#t.setInterval(() => this.#ping(), this.#o.heartbeatInterval);
    this.#emit('event:hello', frame);
    if (first) return void this.#pumpOutbox();
    // Resend the outbox only after sync, so items the server already stored are cleared, not resent.
    this.#resyncing = true;
    const gen = this.#gen;
    Promise.allSettled([...this.#tracked].map((id) => this.#sync(id))).then(() => {
      if (gen !== this.#gen) return;
      this.#resyncing = false;
      this.#pumpOutbox();
    });
  }

  #request(type, payload, syncFor) {
    return new Promise((resolve, reject) => {
      if (this.#state !== 'connected') return reject(new LivechatError('not_connected', `${type}: not connected`));
      const requestId = `r${++this.#nextId}`;
      const timer = this.#t.setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new LivechatError('timeout', `${type}: no answer within ${this.#o.requestTimeout} ms`));
      }, this.#o.requestTimeout);
      this.#pending.set(requestId, { resolve, reject, timer, type, payload, syncFor });
      if (!this.#sendRaw({ ...payload, type, request_id: requestId })) {
        this.#pending.delete(requestId);
        this.#t.clearTimeout(timer);
        reject(new LivechatError('disconnected', `${type}: the socket is not open`));
      }
    });
  }

  #settle(requestId, p, frame) {
    this.#pending.delete(requestId);
    this.#t.clearTimeout(p.timer);
    if (frame.type === 'error') return p.reject(new LivechatError(frame.code || 'error', frame.message, frame));
    // Feed the store before the caller's `then` runs, so both see the same state.
    const kind = ACK_KINDS[p.type];
    if (kind && frame.message) this.#ingest(frame.message, kind);
    if (p.type === 'sync' && Array.isArray(frame.messages)) {
      const convId = p.syncFor ?? p.payload.conversation_id ?? frame.messages[0]?.conversation_id;
      let top = 0;
      for (const m of frame.messages) {
        this.#ingest(m, null, true);
        top = Math.max(top, Number(m?.version) || 0);
      }
      // The ack's version says every change up to it was returned, gaps included.
      if (convId != null) this.#versions.set(convId, Math.max(this.#versions.get(convId) ?? 0, Number(frame.version) || top));
    }
    p.resolve(frame);
  }

  #sendRaw(frame) {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch (error) {
      this.#log('send failed', error);
      return false;
    }
  }

  // --- message store ----------------------------------------------------------------------

  #sync(conversationId) {
    const running = this.#syncing.get(conversationId);
    if (running) return running;
    const p = this.#syncAll(conversationId)
      .catch((err) => TRANSIENT.has(err.code) || this.#log('sync failed', err))
      .finally(() => this.#syncing.get(conversationId) === p && this.#syncing.delete(conversationId));
    this.#syncing.set(conversationId, p);
    return p;
  }

  /**
   * Sync answers are bounded (at most 200 messages and 512 KiB); one cut short says
   * `has_more` and carries the version of its last message, so ask again from there.
   */
  async #syncAll(conversationId) {
    for (;;) {
      const since = this.#versions.get(conversationId) ?? 0;
      const payload = { since_version: since };
      if (this.#o.role === 'agent') payload.conversation_id = conversationId;
      const frame = await this.#request('sync', payload, conversationId);
      const reached = this.#versions.get(conversationId) ?? 0;
      // A server that says has_more without moving forward would loop for ever.
      if (!frame?.has_more || reached <= since) return frame;
    }
  }

  /** The single path every Message takes, whether broadcast, acked or synced. */
  #ingest(message, kind, fromSync = false) {
    if (!message || typeof message !== 'object' || message.id == null) return;
    const version = Number(message.version) || 0;
    const convId = message.conversation_id;
    // A visitor has exactly one conversation; follow it from its first message.
    if (this.#o.role === 'visitor' && convId != null && !this.#tracked.has(convId)) this.track(convId, 0);
    if (convId != null) this.#noteVersion(convId, version, fromSync);
    if (message.client_id != null && message.sender?.type === this.#o.role) this.#removeOutbox(message.client_id);
    const seen = this.#delivered.get(message.id);
    const k = kind ?? (message.deleted ? 'deleted' : seen === undefined ? 'new' : 'updated');
    if (seen !== undefined && (k === 'new' || version <= seen)) return;
    this.#delivered.set(message.id, version);
    this.#emit('message', message, k);
  }

  /**
   * Live changes of a conversation arrive with consecutive versions, so a jump means a
   * broadcast was dropped (channel-layer capacity): keep the watermark and re-sync from it.
   * Sync results legitimately skip versions (superseded edits); their ack sets the watermark.
   */
  #noteVersion(convId, version, fromSync) {
    const cur = this.#versions.get(convId);
    const tracked = this.#tracked.has(convId);
    if (cur !== undefined && version <= cur) return;
    if (!tracked || cur === undefined || version === cur + 1) return void this.#versions.set(convId, version);
    if (!fromSync) this.#sync(convId);
  }

  // --- outbox ---------------------------------------------------------------------------

  /** One send in flight at a time, so messages reach the server in the order they were typed. */
  async #pumpOutbox() {
    if (this.#pumping || this.#outboxTimer != null || this.#resyncing || this.#state !== 'connected') return;
    const item = this.#outbox.find((i) => i.state === 'sending');
    if (!item) return;
    const token = (this.#pumping = {});
    const payload = { body: item.body, client_id: item.client_id };
    if (item.attachments?.length) payload.attachments = item.attachments.map((a) => a.id);
    if (this.#o.role === 'agent') payload.conversation_id = item.conversation_id;
    if (item.internal === true) payload.internal = true;
    try {
      await this.#request('send_message', payload);
      this.#removeOutbox(item.client_id);
      this.#outboxAttempt = 0;
    } catch (err) {
      if (!TRANSIENT.has(err?.code)) {
        item.state = 'failed';
        item.error = err?.code || 'error';
        this.#persist(item);
      } else if (this.#pumping === token && (err.code === 'rate_limited' || err.code === 'timeout')) {
        // Still connected but refused for now; a drop instead waits for the next hello.
        const delay = backoffDelay(++this.#outboxAttempt, { ...this.#o.backoff, random: this.#o.random });
        this.#outboxTimer = this.#t.setTimeout(() => {
          this.#outboxTimer = null;
          this.#pumpOutbox();
        }, Math.max(delay, this.#o.backoff.base));
      }
    } finally {
      if (this.#pumping === token) this.#pumping = null;
    }
    this.#pumpOutbox();
  }

  #removeOutbox(clientId) {
    const i = this.#outbox.findIndex((x) => x.client_id === clientId);
    if (i < 0) return;
    const [item] = this.#outbox.splice(i, 1);
    this.#persist(item, true);
  }

  /**
   * Read-modify-write of one item, so two tabs sharing the key do not erase each other's
   * items (a duplicate send from both tabs is harmless: same client_id).
   */
  #persist(item, remove = false) {
    const { storage, storageKey } = this.#o;
    try {
      const stored = parseOutbox(this.#readStorage());
      const i = stored.findIndex((x) => x.client_id === item.client_id);
      if (i >= 0) stored.splice(i, 1);
      if (!remove) stored.splice(i >= 0 ? i : stored.length, 0, { ...item });
      if (stored.length) storage.setItem(storageKey, JSON.stringify(stored));
      else storage.removeItem(storageKey);
    } catch (error) {
      this.#log('could not persist the outbox', error);
    }
    this.#emit('outbox', this.outbox);
  }

  #readStorage() {
    try { return this.#o.storage.getItem(this.#o.storageKey); } catch { return null; }
  }

  // --- plumbing -------------------------------------------------------------------------

  #setState(state, info = {}) {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit('status', state, info);
  }

  #subscribe(key, cb) {
    if (typeof cb !== 'function') throw new TypeError('callback must be a function');
    if (!this.#listeners.has(key)) this.#listeners.set(key, new Set());
    this.#listeners.get(key)?.add(cb);
    return () => void this.#listeners.get(key)?.delete(cb);
  }

  /** A broken UI callback must never break delivery to the others, nor the socket. */
  #emit(key, ...args) {
    for (const cb of [...(this.#listeners.get(key) ?? [])]) {
      try {
        const r = cb(...args);
        if (r && typeof r.catch === 'function') r.catch((e) => this.#log(`${key} callback rejected`, e));
      } catch (error) {
        this.#log(`${key} callback threw`, error);
      }
    }
  }

  #log(...args) {
    try { this.#o.logger.error('[livechat]', ...args); } catch { /* nowhere left to report */ }
  }
}
