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
