// Sound + desktop notification for new conversations and messages while the tab is hidden.
// Both need the agent's consent: the bell button asks for notification permission and
// unlocks audio (browsers only start an AudioContext after a user gesture).
import { gettext } from '../livechat/i18n.js';

const KEY = 'livechat.notify';

export class Notifier {
  constructor(button) {
    this.button = button;
    this.audio = null;
    this.enabled = localStorage.getItem(KEY) === '1';
    button.addEventListener('click', () => this.toggle());
    // Audio can only start after a gesture: the first click anywhere re-arms it after a reload.
    document.addEventListener('pointerdown', () => this.enabled && this.unlockAudio(), { once: true });
    this.paint();
  }

  async toggle() {
    if (this.enabled) {
      this.enabled = false;
    } else {
      if ('Notification' in window && Notification.permission === 'default') {
        try { await Notification.requestPermission(); } catch { /* old Safari: callback form */ }
      }
      this.unlockAudio();
      this.enabled = true;
      this.chime();
    }
    localStorage.setItem(KEY, this.enabled ? '1' : '0');
    this.paint();
  }

  paint() {
    this.button.setAttribute('aria-pressed', String(this.enabled));
    this.button.classList.toggle('is-on', this.enabled);
    const denied = 'Notification' in window && Notification.permission === 'denied';
    this.button.title = this.enabled
      ? (denied ? gettext('Sound on; desktop notifications are blocked by the browser') : gettext('Notifications on (click to mute)'))
      : gettext('Enable desktop notifications and sound');
  }

  unlockAudio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!this.audio) this.audio = new Ctx();
    if (this.audio.state === 'suspended') this.audio.resume().catch(() => {});
  }

  /** A soft two-note chime synthesised on the fly: no audio file to ship. */
  chime() {
    const ctx = this.audio;
    if (!ctx || ctx.state !== 'running') return;
    const now = ctx.currentTime;
    [[880, 0], [1318.5, 0.12]].forEach(([freq, at]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + at);
      gain.gain.exponentialRampToValueAtTime(0.18, now + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.45);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + at);
      osc.stop(now + at + 0.5);
    });
  }

  /** Only while the tab is hidden: an agent looking at the screen needs no alarm. */
  notify({ title, body, tag, onClick }) {
    if (!this.enabled || document.visibilityState === 'visible') return false;
    this.chime();
    if ('Notification' in window && Notification.permission === 'granted') {
      try {
        const n = new Notification(title, { body, tag, renotify: true });
        n.addEventListener('click', () => {
          window.focus();
          onClick?.();
          n.close();
        });
      } catch { /* some platforms only allow notifications from a service worker */ }
    }
    return true;
  }
}
