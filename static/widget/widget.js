// The visitor's chat, running inside the iframe that loader.js puts on the customer's site.
// The visitor token lives in this iframe's localStorage (the chat server's origin), so the
// conversation survives reloads of the host page and never touches the host's storage.
import { LivechatSocket } from '../livechat/socket.js';
import { createApi } from '../livechat/api.js';
import { Transcript } from '../livechat/transcript.js';
import { gettext } from '../livechat/i18n.js';
import { wsUrl, connectionBadge } from '../livechat/connection.js';
import { createToast } from '../livechat/toast.js';
import { Composer } from '../livechat/composer.js';
import { TypingIndicator } from '../livechat/typing.js';
import { readLimits } from '../livechat/limits.js';
import { AttachmentTray, acceptDrops, filesOf } from '../livechat/attachments.js';
import { EmailBox } from './email-box.js';

const TOKEN_KEY = 'livechat.visitor.token';
const LANG_KEY = 'livechat.widget.lang';

const root = document.getElementById('widget');
const limits = readLimits(root.dataset);
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// An explicit language choice made in the widget wins over the one the loader guessed.
const chosenLang = safeGet(LANG_KEY);
const knownLang = (code) => [...document.querySelectorAll('.w-lang-btn')].some((b) => b.dataset.lang === code);
if (chosenLang && chosenLang !== root.dataset.lang && knownLang(chosenLang)) {
  params.set('lang', chosenLang);
  location.replace(`${location.pathname}?${params}`);
}

if (root.dataset.color) document.documentElement.style.setProperty('--brand', root.dataset.color);

// --- embedding: who our parent is, and whether the panel is showing -----------------------------
const embedded = window.parent !== window;
// The host page's origin: where our messages may go. Browsers without ancestorOrigins
// learn it from the loader's first message (its source is our parent, so its origin is
// the host's; frame-ancestors already limits who that can be).
let hostOrigin = embedded ? (location.ancestorOrigins?.[0] || '') : location.origin;
// The host page's origin and path (never its query string or fragment): the session's page_url.
let hostPage = '';
let panelOpen = !embedded;

function toHost(message) {
  if (!embedded) return;
  // `ready` says nothing, so it may go out before we know who our parent is.
  const target = hostOrigin || (message.type === 'ready' ? '*' : '');
  if (target) window.parent.postMessage({ source: 'livechat', ...message }, target);
}

window.addEventListener('message', (ev) => {
  if (!embedded || ev.source !== window.parent) return;
  if (hostOrigin && ev.origin !== hostOrigin) return;
  const data = ev.data;
  if (!data || data.source !== 'livechat-loader') return;
  if (!hostOrigin) {
    hostOrigin = ev.origin;
    publishUnread();
  }
  if (typeof data.page === 'string' && data.page !== hostPage) {
    hostPage = data.page.slice(0, 1500);
    reportPage();
  }
  if (data.type === 'open') {
    panelOpen = true;
    if (!token) showIntro();
    // Into the composer, unless the visitor already clicked into a field.
    setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body) $('w-input').focus();
    }, 50);
    markRead();
  } else if (data.type === 'closed') {
    panelOpen = false;
    composer.stopTyping();
  }
});

$('w-close').addEventListener('click', () => toHost({ type: 'close' }));
if (!embedded) $('w-close').hidden = true;

// --- the host page the visitor is on (hostPage, above), for the agents' side panel ---------------
const timeZone = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
})();

function reportPage() {
  if (!hostPage || socket.state !== 'connected') return;
  socket.request('visitor:page', { page_url: hostPage, time_zone: timeZone }).catch(() => {});
}

// --- session ------------------------------------------------------------------------------------
let token = safeGet(TOKEN_KEY);
let sessionPromise = null;
const api = createApi({ base: root.dataset.api, visitorToken: () => token });

function safeGet(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function safeSet(key, value) {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch { /* storage blocked: the chat still works for this page view */ }
}

/** The visitor token, creating the visitor on first use (first message). */
function ensureSession() {
  if (token) return Promise.resolve(token);
  if (!sessionPromise) {
    const body = {
      name: $('w-name').value.trim(),
      email: $('w-email').value.trim() || null,
      page_url: hostPage,
      language: root.dataset.lang,
      time_zone: timeZone,
    };
    sessionPromise = api.post('session/', body).then((data) => {
      token = data.token;
      emailBox.set({ email: data.visitor?.email || null });
      socket.connect();
      safeSet(TOKEN_KEY, token);
      $('w-intro').hidden = true;
      return token;
    }, (err) => {
      const detail = err.body?.email ? gettext('Please check the email address.') : err.body?.detail;
      throw new Error(detail || gettext('The chat is unavailable right now.'));
    }).finally(() => { sessionPromise = null; });
  }
  return sessionPromise;
}

/** GET as the visitor: null while there is nothing yet (404); a refused token starts over. */
async function visitorGet(path) {
  try {
    return await api.get(path);
  } catch (err) {
    if (err.status === 401) forgetSession();
    if (err.status === 404) return null;
    throw err;
  }
}

/** A revoked or unknown token: start over as a new visitor. */
function forgetSession() {
  token = null;
  safeSet(TOKEN_KEY, null);
  socket.close();
  transcript.clear();
  showIntro();
  showConnection('idle');
}

// --- socket and transcript ------------------------------------------------------------------------
const socket = new LivechatSocket({
  url: wsUrl(root.dataset.wsPath),
  role: 'visitor',
  getToken: () => token,
});

const transcript = new Transcript({
  scroller: $('w-scroller'),
  list: $('w-messages'),
  perspective: 'visitor',
  maxBodyLength: limits.maxBodyLength,
  canModify: () => false,
  onRetry: (cid) => socket.retryMessage(cid),
  onDiscard: (cid) => socket.discardMessage(cid),
  onNearTop: () => loadOlder(),
  refreshAttachment: (a) => api.get(`/api/v1/attachments/${encodeURIComponent(a.id)}/`),
});
const typingIndicator = new TypingIndicator($('w-typing'), { limits });

let hasMore = false;
let loadingOlder = false;
let readSent = 0;
let unread = 0;
let agentReadSeq = 0;

async function loadHistory() {
  const [page, marks] = await Promise.all([
    visitorGet('messages/?limit=50'),
    visitorGet(root.dataset.readStateUrl).catch(() => null),
  ]);
  if (!page) return;
  socket.seedMessages(page.results);
  const convId = page.results[0]?.conversation_id;
  if (convId) socket.track(convId, page.version);
  hasMore = page.has_more;
  transcript.upsert(page.results, { stick: true });
  if (marks) {
    agentReadSeq = Math.max(agentReadSeq, marks.agent_last_read_seq);
    transcript.setReadSeq(agentReadSeq);
    unread = page.results.filter((m) => m.seq > marks.visitor_last_read_seq && m.sender?.type !== 'visitor' && !m.deleted).length;
    readSent = marks.visitor_last_read_seq;
    publishUnread();
  }
  markRead();
}

async function loadOlder() {
  const first = transcript.firstSeq;
  if (!hasMore || loadingOlder || first == null) return;
  loadingOlder = true;
  $('w-more').hidden = false;
  try {
    const page = await visitorGet(`messages/?limit=50&before_seq=${first}`);
    if (page) {
      socket.seedMessages(page.results);
      hasMore = page.has_more;
      transcript.prepend(page.results);
    }
  } catch { /* try again on the next scroll */ } finally {
    loadingOlder = false;
    $('w-more').hidden = true;
  }
}

socket.onMessage((m, kind) => {
  transcript.upsert(m, { stick: m.sender?.type === 'visitor' });
  if (m.sender?.type === 'visitor') emailBox.set({ conversation: true });
  if (m.sender?.type !== 'visitor') typingIndicator.hide();
  if (kind === 'new' && m.sender?.type !== 'visitor' && !m.deleted) {
    if (!isSeen()) {
      unread += 1;
      publishUnread();
    }
  }
  markRead();
});
socket.onOutboxChange((items) => transcript.setOutbox(items));
transcript.setOutbox(socket.outbox);

socket.on('hello', (frame) => {
  if (frame.conversation?.status) root.dataset.status = frame.conversation.status;
  emailBox.set({
    email: frame.visitor?.email || null,
    conversation: Boolean(frame.conversation),
    closed: frame.conversation?.status === 'closed',
  });
  markRead();
  reportPage();
});
socket.on('agents:availability', (frame) => {
  showAvailability(Boolean(frame.online));
  emailBox.set({ online: Boolean(frame.online) });
});
socket.on('typing:start', (frame) => {
  if (frame.sender?.type === 'visitor') return;
  typingIndicator.show();
  transcript.nearBottom() && transcript.scrollToBottom();
});
socket.on('typing:stop', () => typingIndicator.hide());
socket.on('conversation:read', (frame) => {
  if (frame.reader?.type === 'visitor') return;
  agentReadSeq = Math.max(agentReadSeq, frame.seq);
  transcript.setReadSeq(agentReadSeq);
});
socket.on('conversation:updated', (frame) => {
  root.dataset.status = frame.conversation?.status || '';
  emailBox.set({ conversation: true, closed: frame.conversation?.status === 'closed' });
});

// --- connection and availability ------------------------------------------------------------------
const showConnection = connectionBadge({ socket, badge: $('w-conn'), label: $('w-conn-label'), offlineTarget: root });
socket.onConnectionStatusChange((state, info) => {
  if (state === 'error' && (info?.code === 4401 || info?.code === 4403)) forgetSession();
  // Too many tabs of this chat: this one rests until the visitor comes back to it.
  if (state === 'error' && info?.code === 4409) showConnection('superseded');
});

function showAvailability(online) {
  $('w-avail').dataset.online = String(online);
  $('w-avail-text').textContent = online ? gettext("We're online") : gettext("We'll reply soon");
}

// --- reading and unread count ------------------------------------------------------------------
function isSeen() {
  return panelOpen && document.visibilityState === 'visible';
}

function publishUnread() {
  toHost({ type: 'unread', count: unread });
}

function markRead() {
  if (!isSeen()) return;
  if (unread) {
    unread = 0;
    publishUnread();
  }
  const seq = transcript.lastSeq;
  if (!seq || seq <= readSent || socket.state !== 'connected') return;
  readSent = seq;
  socket.request('message:read', { seq }).catch(() => { readSent = 0; });
}
document.addEventListener('visibilitychange', markRead);

// --- composer ----------------------------------------------------------------------------------------
const toast = createToast($('w-toast'), { ms: 4000 });
const tray = new AttachmentTray({
  list: $('w-tray'),
  maxBytes: limits.attachmentMaxBytes,
  // A file is the visitor's first word as well as a message is: it starts the session.
  upload: async (file, opts) => {
    if (!(await startSession())) throw new Error(gettext('The chat is unavailable right now.'));
    return api.upload('attachments/', file, opts);
  },
  onError: (message) => toast.show(message),
});
$('w-attach').addEventListener('click', () => $('w-file').click());
$('w-file').addEventListener('change', () => {
  tray.add([...$('w-file').files]);
  $('w-file').value = '';
  $('w-input').focus();
});
acceptDrops(root, (files) => tray.add(files));
$('w-input').addEventListener('paste', (ev) => {
  const files = filesOf(ev.clipboardData);
  if (!files.length) return;
  ev.preventDefault();
  tray.add(files);
});

const composer = new Composer({
  form: $('w-composer'),
  input: $('w-input'),
  limits,
  sendTyping: (type) => token && socket.send(type),
  onSubmit: (body, attachments) => send(body, attachments),
  onError: (err) => toast.error(err),
  tray,
});

const emailBox = new EmailBox({ api, ensureSession, hasSession: () => Boolean(token), toast });

/** The visitor session, created on first use; false (the visitor was told why) when it cannot be. */
async function startSession() {
  if (token) return true;
  const email = $('w-email');
  if (email.value && !email.checkValidity()) {
    toast.show(gettext('Please check the email address.'));
    email.focus();
    return false;
  }
  try {
    await ensureSession();
  } catch (err) {
    toast.error(err);
    return false;
  }
  socket.connect();
  return true;
}

/** @param {string} body @param {any[]} [attachments] */
async function send(body, attachments = []) {
  if (!(await startSession())) return;
  socket.sendMessage({ body, attachments });
  composer.sent();
  transcript.scrollToBottom();
}

function showIntro() {
  $('w-intro').hidden = Boolean(token);
}

// --- language switcher -----------------------------------------------------------------------------
for (const btn of document.querySelectorAll('.w-lang-btn')) {
  btn.addEventListener('click', () => {
    const lang = btn.dataset.lang;
    if (lang === root.dataset.lang) return;
    safeSet(LANG_KEY, lang);
    params.set('lang', lang);
    location.replace(`${location.pathname}?${params}`);
  });
}

// --- start -----------------------------------------------------------------------------------------
showIntro();
if (token) {
  showConnection('connecting');
  socket.connect();
  loadHistory().catch(() => { /* offline: the socket's sync catches up once connected */ });
} else {
  showConnection('idle');
  // No socket yet to say whether anyone is in: ask once, for the offline form.
  api.get('availability/').then((a) => {
    if (!token) {
      showAvailability(Boolean(a.online));
      emailBox.set({ online: Boolean(a.online) });
    }
  }, () => {});
}
root.dataset.ready = '1';
toHost({ type: 'ready' });
window.livechat = { socket, transcript, get panelOpen() { return panelOpen; }, get readSent() { return readSent; } };
