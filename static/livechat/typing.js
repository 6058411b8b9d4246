// Typing notifications, shared by the dashboard and the widget.

/**
 * Typing notifications: `typing:start` at most every 3 s while keys are pressed,
 * `typing:stop` after 2.5 s of quiet, on send and on blur.
 * @param {(type: 'typing:start'|'typing:stop') => void} send
 */
export function typingNotifier(send) {
  let active = false;
  let lastStart = 0;
  let idle = null;
  const stop = () => {
    clearTimeout(idle);
    idle = null;
    if (active) {
      active = false;
      send('typing:stop');
    }
  };
  return {
    /** @param {boolean} hasText */
    input(hasText) {
      if (!hasText) return stop();
      const now = Date.now();
      if (!active || now - lastStart > 3000) {
        active = true;
        lastStart = now;
        send('typing:start');
      }
      clearTimeout(idle);
      idle = setTimeout(stop, 2500);
    },
    stop,
  };
}

/**
 * The "… is typing" line: shown on `typing:start`, hidden on `typing:stop` or that person's
 * message, and by itself after a while without news, so a lost stop cannot leave it stuck.
 */
export class TypingIndicator {
  /**
   * @param {HTMLElement} node  shown and hidden
   * @param {{label?: HTMLElement}} [o]  where show(text) puts its text
   */
  constructor(node, { label } = {}) {
    this.node = node;
    this.label = label;
    this.timer = null;
  }

  /** @param {string} [text] */
  show(text) {
    if (this.label && text != null) this.label.textContent = text;
    this.node.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hide(), 8000);
  }

  hide() {
    clearTimeout(this.timer);
    this.node.hidden = true;
  }
}
