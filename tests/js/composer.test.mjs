// Unit tests for static/livechat/composer.js. Run: node --test tests/js/
// Hand-written fakes of the few DOM pieces it touches: a form, a textarea, computed style.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Composer } from '../../static/livechat/composer.js';

class FakeElement {
  listeners = new Map();
  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }
  /** Dispatches a fake event; returns it, so a test can see whether it was prevented. */
  fire(type, props = {}) {
    const ev = { type, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, ...props };
    for (const fn of this.listeners.get(type) || []) fn(ev);
    return ev;
  }
}

class FakeTextarea extends FakeElement {
  value = '';
  scrollHeight = 300;
  style = { height: '' };
  focused = false;
  selection = null;
  focus() { this.focused = true; }
  setSelectionRange(a, b) { this.selection = [a, b]; }
  type(text) {
    this.value = text;
    this.fire('input');
  }
}

globalThis.document = { documentElement: { lang: 'en' } };
globalThis.getComputedStyle = () => ({ maxHeight: '180px' });

function setup(limits = { maxBodyLength: 10, typingTimeoutMs: 5000, typingThrottleMs: 1000 }) {
  const form = new FakeElement();
  const input = new FakeTextarea();
  const log = [];
  const composer = new Composer({
    form, input, limits,
    sendTyping: (type) => log.push(type),
    onSubmit: (body) => log.push(['submit', body]),
    onError: (err) => log.push(['error', err.message]),
  });
  return { form, input, log, composer };
}

test('Enter submits the trimmed text; Shift+Enter and IME composition do not', () => {
  const { input, log } = setup();
  input.type('  hi  ');
  assert.equal(input.fire('keydown', { key: 'Enter', shiftKey: true }).defaultPrevented, false);
  assert.equal(input.fire('keydown', { key: 'Enter', isComposing: true }).defaultPrevented, false);
  assert.equal(input.fire('keydown', { key: 'Enter' }).defaultPrevented, true);
  assert.deepEqual(log, ['typing:start', ['submit', 'hi']]);
});

test('the form submit button sends too, and only what is not blank', () => {
  const { form, input, log } = setup();
  input.value = '   ';
  assert.equal(form.fire('submit').defaultPrevented, true);
  input.value = 'hello';
  form.fire('submit');
  assert.deepEqual(log, [['submit', 'hello']]);
});

test('a body over the server limit is refused with the limit in the message', () => {
  const { input, log } = setup({ maxBodyLength: 5000, typingTimeoutMs: 5000, typingThrottleMs: 1000 });
  input.value = 'x'.repeat(5001);
  input.fire('keydown', { key: 'Enter' });
  input.value = ` ${'x'.repeat(5000)} `;
  input.fire('keydown', { key: 'Enter' });
  assert.deepEqual(log, [['error', 'A message can be at most 5,000 characters.'], ['submit', 'x'.repeat(5000)]]);
});

test('sent() stops typing and empties the box; blur stops typing', () => {
  const { input, log, composer } = setup();
  input.type('a');
  composer.sent();
  assert.equal(input.value, '');
  input.type('b');
  input.fire('blur');
  assert.deepEqual(log, ['typing:start', 'typing:stop', 'typing:start', 'typing:stop']);
});

test('the box grows with its text up to its CSS max-height', () => {
  const { input, composer } = setup();
  input.type('long');
  assert.equal(input.style.height, '180px');
  input.scrollHeight = 40;
  composer.clear();
  assert.equal(input.style.height, '40px');
});

test('put() fills the box, focused, caret at the end', () => {
  const { input, composer } = setup();
  const text = 'Your parcel arrives tomorrow.';
  composer.put(text);
  assert.equal(input.value, text);
  assert.equal(input.focused, true);
  assert.deepEqual(input.selection, [text.length, text.length]);
});
