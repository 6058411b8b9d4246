// Typing, both ways: telling the other side while we type, and showing when they do.
//
// The timings follow the server's relay (realtime/typing.py): it relays `typing:start` at
// most once per throttle, and sends `typing:stop` itself a timeout after the last start.

/** Time for a frame to cross the network and the server, with room to spare. */
const TRANSIT_MS = 2000;

/**
 * @param {import('./limits.js').Limits} limits
 * @returns {{resendMs: number, quietMs: number, safetyMs: number}}
 *   resendMs: while keys are pressed, `typing:start` again after this: well inside the
 *     server's timeout, so it never stops the indicator mid-sentence, and never more often
 *     than the server relays;
 *   quietMs: this long without a key, we send `typing:stop` ourselves, before the server would;
 *   safetyMs: a shown indicator with no news for this long hides itself: the server's own
 *     stop is due within throttle + timeout of the last relayed start, so a stop was lost.
 *   With the default timeout 5 s and throttle 1 s: 3 s, 2.5 s, 8 s.
 */
export function typingTimings({ typingTimeoutMs, typingThrottleMs }) {
  return {
    resendMs: Math.max(typingThrottleMs, typingTimeoutMs * 0.6),
    quietMs: typingTimeoutMs / 2,
    safetyMs: typingTimeoutMs + typingThrottleMs + TRANSIT_MS,
  };
}

/**
 * @typedef {{now: () => number, setTimeout: Function, clearTimeout: Function}} Clock
 * @type {Clock}
 */
const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/**
 * Typing notifications: `typing:start` when keys are pressed (again every resendMs while they
 * are), `typing:stop` after quietMs without a key, and on stop() (send, blur, leaving).
 * @param {(type: 'typing:start'|'typing:stop') => void} send
 * @param {import('./limits.js').Limits} limits
 * @param {Clock} [clock]
 */
export function typingNotifier(send, limits, clock = realClock) {
  const { resendMs, quietMs } = typingTimings(limits);
  let active = false;
  let lastStart = 0;
  let idle = null;
  const stop = () => {
    clock.clearTimeout(idle);
    idle = null;
    if (active) {
      active = false;
      send('typing:stop');
    }
  };
  return {
    /** A key was pressed. @param {boolean} hasText whether the box has any text now */
    input(hasText) {
      if (!hasText) return stop();
      const now = clock.now();
      if (!active || now - lastStart > resendMs) {
        active = true;
        lastStart = now;
        send('typing:start');
      }
      clock.clearTimeout(idle);
      idle = clock.setTimeout(stop, quietMs);
    },
    stop,
  };
}

/**
 * The "… is typing" line: shown on `typing:start`, hidden on `typing:stop` or that person's
 * message, and by itself after safetyMs without news, so a lost stop cannot leave it stuck.
 */
export class TypingIndicator {
  /**
   * @param {{hidden: boolean}} node  shown and hidden
   * @param {{limits: import('./limits.js').Limits, label?: {textContent: string|null}, clock?: Clock}} o
   *   label: where show(text) puts its text
   */
  constructor(node, { limits, label, clock = realClock }) {
    this.node = node;
    this.label = label;
    this.clock = clock;
    this.safetyMs = typingTimings(limits).safetyMs;
    this.timer = null;
  }

  /** @param {string} [text] */
  show(text) {
    if (this.label && text != null) this.label.textContent = text;
    this.node.hidden = false;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.hide(), this.safetyMs);
  }

  hide() {
    this.clock.clearTimeout(this.timer);
    this.node.hidden = true;
  }
}
