// Unit tests for static/livechat/api.js. Run: node --test tests/js/
// A recording fake stands in for fetch; it answers what each test tells it to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi, ApiError } from '../../static/livechat/api.js';

/** A fetch that records its calls and answers with `status` and `body` (a string is sent as is). */
function fakeFetch(status = 200, body = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, ...init });
    if (status === 'offline') throw new TypeError('Failed to fetch');
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return {
      status,
      ok: status >= 200 && status < 300,
      json: async () => JSON.parse(text),
    };
  };
  return { fetch, calls };
}

test('the dashboard sends its session cookie, and the CSRF token on writes only', async () => {
  const f = fakeFetch(200, { ok: 1 });
  const api = createApi({ base: '/api/v1/', csrf: 'tok', fetch: f.fetch });
  assert.deepEqual(await api.get('conversations/'), { ok: 1 });
  await api.patch('conversations/c1/', { status: 'closed' });
  const [get, patch] = f.calls;
  assert.equal(get.url, '/api/v1/conversations/');
  assert.equal(get.method, 'GET');
  assert.equal(get.credentials, 'same-origin');
  assert.deepEqual(get.headers, { Accept: 'application/json' });
  assert.equal(get.body, undefined);
  assert.equal(patch.method, 'PATCH');
  assert.deepEqual(patch.headers, { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': 'tok' });
  assert.equal(patch.body, '{"status":"closed"}');
});

test('a path starting with / is not put under the base', async () => {
  const f = fakeFetch();
  await createApi({ base: '/api/v1/', fetch: f.fetch }).get('/dashboard/agents.json');
  assert.equal(f.calls[0].url, '/dashboard/agents.json');
});

test('the widget sends its visitor token as read at each call, and no CSRF token', async () => {
  const f = fakeFetch(201, { token: 'v1' });
  let token = null;
  const api = createApi({ base: '/api/v1/widget/', visitorToken: () => token, fetch: f.fetch });
  await api.post('session/', { name: 'Budi' });
  token = 'v1';
  await api.get('messages/?limit=50');
  assert.deepEqual(f.calls[0].headers, { Accept: 'application/json', 'Content-Type': 'application/json' });
  assert.equal(f.calls[0].body, '{"name":"Budi"}');
  assert.deepEqual(f.calls[1].headers, { Accept: 'application/json', Authorization: 'Visitor v1' });
  assert.equal(f.calls[1].url, '/api/v1/widget/messages/?limit=50');
});

test('204 and a body that is not JSON both give null', async () => {
  assert.equal(await createApi({ fetch: fakeFetch(204, '').fetch }).del('x/'), null);
  assert.equal(await createApi({ fetch: fakeFetch(200, '<html>').fetch }).get('x/'), null);
});

test('a refusal is an ApiError with the status, the code, the detail and the whole body', async () => {
  const body = { detail: 'Not found.', code: 'not_found' };
  const err = await createApi({ fetch: fakeFetch(404, body).fetch }).get('x/').catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 404);
  assert.equal(err.code, 'not_found');
  assert.equal(err.message, 'Not found.');
  assert.deepEqual(err.body, body);

  const fields = await createApi({ fetch: fakeFetch(400, { email: ['Enter a valid email address.'] }).fetch })
    .post('session/', {}).catch((e) => e);
  assert.equal(fields.message, 'HTTP 400');
  assert.equal(fields.code, 'http_error');
  assert.deepEqual(fields.body.email, ['Enter a valid email address.']);

  const bare = await createApi({ fetch: fakeFetch(502, 'Bad gateway').fetch }).get('x/').catch((e) => e);
  assert.equal(bare.status, 502);
  assert.equal(bare.message, 'HTTP 502');
});

test('an unreachable server is an ApiError with status 0 and code network', async () => {
  const err = await createApi({ fetch: fakeFetch('offline').fetch }).get('x/').catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 0);
  assert.equal(err.code, 'network');
  assert.equal(err.message, 'The server cannot be reached.');
});

/** An XMLHttpRequest that records what is sent and answers when told. */
function fakeXhr() {
  const made = [];
  class XHR {
    constructor() { this.headers = {}; this.upload = {}; made.push(this); }
    open(method, url) { this.method = method; this.url = url; }
    setRequestHeader(k, v) { this.headers[k] = v; }
    send(body) { this.body = body; }
    abort() { this.onabort?.(); }
    answer(status, body) { this.status = status; this.responseText = JSON.stringify(body); this.onload(); }
  }
  return { XHR, made };
}

test('upload: multipart with progress, the credentials of the page, errors as ApiError', async () => {
  const x = fakeXhr();
  const api = createApi({ base: '/api/v1/widget/', visitorToken: () => 'v.tok' });
  const seen = [];
  const file = new File(['hello'], 'note.txt', { type: 'text/plain' });
  const done = api.upload('attachments/', file, { XHR: x.XHR, onProgress: (f) => seen.push(f) });
  const [xhr] = x.made;
  assert.equal(xhr.method, 'POST');
  assert.equal(xhr.url, '/api/v1/widget/attachments/');
  assert.equal(xhr.headers.Authorization, 'Visitor v.tok');
  assert.equal(xhr.body.get('file').name, 'note.txt');
  xhr.upload.onprogress({ lengthComputable: true, loaded: 50, total: 100 });
  xhr.answer(201, { id: 'a1' });
  assert.deepEqual(await done, { id: 'a1' });
  assert.deepEqual(seen, [0.5]);

  const refused = api.upload('attachments/', file, { XHR: x.XHR });
  x.made[1].answer(415, { detail: 'no', code: 'unsupported_type' });
  await assert.rejects(refused, (e) => e instanceof ApiError && e.status === 415 && e.code === 'unsupported_type');
});

test('upload: cancelling aborts the request', async () => {
  const x = fakeXhr();
  const api = createApi({ base: '/api/v1/', csrf: 'tok' });
  const controller = new AbortController();
  const done = api.upload('conversations/c1/attachments/', new File(['x'], 'x.txt'), { XHR: x.XHR, signal: controller.signal });
  assert.equal(x.made[0].headers['X-CSRFToken'], 'tok');
  controller.abort();
  await assert.rejects(done, (e) => e.code === 'aborted');
});
