// Unit tests for static/livechat/typing.js and limits.js. Run: node --test tests/js/
// A fake clock whose timers run only when a test advances time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typingTimings, typingNotifier, TypingIndicator } from '../../static/livechat/typing.js';
import { readLimits } from '../../static/livechat/limits.js';

const LIMITS = { maxBodyLength: 5000, typingTimeoutMs: 5000, typingThrottleMs: 1000 };

class FakeClock {
  time = 0;
  #timers = new Map();
  #nextId = 1;
  now = () => this.time;
  setTimeout = (fn, ms) => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (id) => void this.#timers.delete(id);

  tick(ms) {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

test('the timings follow the server: 3 s, 2.5 s and 8 s with its defaults', () => {
  assert.deepEqual(typingTimings(LIMITS), { resendMs: 3000, quietMs: 2500, safetyMs: 8000 });
});

test('with another server timeout the client stays inside it', () => {
  const t = typingTimings({ ...LIMITS, typingTimeoutMs: 2000 });
  assert.ok(t.resendMs < 2000 && t.resendMs >= 1000, 'resend within the timeout, not below the throttle');
  assert.ok(t.quietMs < 2000, 'our stop comes before the server would stop');
  assert.ok(t.safetyMs > 2000 + 1000, 'a lost stop hides only after the server would have sent one');
  assert.equal(typingTimings({ ...LIMITS, typingTimeoutMs: 1000, typingThrottleMs: 900 }).resendMs, 900);
});

test('typing sends start once, again after resendMs, and stop after quietMs without a key', () => {
  const clock = new FakeClock();
  const sent = [];
  const typing = typingNotifier((type) => sent.push([clock.time, type]), LIMITS, clock);
  typing.input(true);
  clock.tick(1000);
  typing.input(true);
  clock.tick(2000);
  typing.input(true); // 3 s: not yet more than resendMs
  clock.tick(1);
  typing.input(true);
  clock.tick(2500);
  assert.deepEqual(sent, [[0, 'typing:start'], [3001, 'typing:start'], [5501, 'typing:stop']]);
});

test('an emptied box or stop() sends stop once; stop without typing sends nothing', () => {
  const clock = new FakeClock();
  const sent = [];
  const typing = typingNotifier((type) => sent.push(type), LIMITS, clock);
  typing.stop();
  typing.input(true);
  typing.input(false);
  typing.stop();
  typing.input(true);
  typing.stop();
  clock.tick(10000);
  assert.deepEqual(sent, ['typing:start', 'typing:stop', 'typing:start', 'typing:stop']);
});

test('the indicator shows with its text, hides on hide(), and by itself after safetyMs without news', () => {
  const clock = new FakeClock();
  const node = { hidden: true };
  const label = { textContent: '' };
  const indicator = new TypingIndicator(node, { limits: LIMITS, label, clock });
  indicator.show('Budi is typing…');
  assert.equal(node.hidden, false);
  assert.equal(label.textContent, 'Budi is typing…');
  clock.tick(7000);
  indicator.show(); // news: the timer starts again, the text stays
  assert.equal(label.textContent, 'Budi is typing…');
  clock.tick(7999);
  assert.equal(node.hidden, false);
  clock.tick(1);
  assert.equal(node.hidden, true);
  indicator.show();
  indicator.hide();
  assert.equal(node.hidden, true);
});

test('limits are read from the data- attributes of the page root', () => {
  const dataset = { maxBodyLength: '5000', typingTimeoutMs: '5000', typingThrottleMs: '0', attachmentMaxBytes: '26214400' };
  assert.deepEqual(readLimits(dataset), { maxBodyLength: 5000, typingTimeoutMs: 5000, typingThrottleMs: 0, attachmentMaxBytes: 26214400 });
});

test('a page without its limits fails loudly, naming the attribute', () => {
  assert.throws(() => readLimits({ maxBodyLength: '5000', typingTimeoutMs: '5000' }), /data-typing-throttle-ms/);
  assert.throws(() => readLimits({ maxBodyLength: '', typingTimeoutMs: '5000', typingThrottleMs: '1', attachmentMaxBytes: '1' }), /data-max-body-length/);
  assert.throws(() => readLimits({ maxBodyLength: '5,000', typingTimeoutMs: '5000', typingThrottleMs: '1', attachmentMaxBytes: '1' }), /data-max-body-length/);
  assert.throws(() => readLimits({ maxBodyLength: '5000', typingTimeoutMs: '5000', typingThrottleMs: '1' }), /data-attachment-max-bytes/);
});
