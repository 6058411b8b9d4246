/*!
 * Pro Livechat widget loader. Add to any page:
 *   <script src="https://CHAT-HOST/static/widget/loader.js" async
 *           data-title="Chat with us" data-color="#4f5bd5" data-position="right" data-lang="id"></script>
 * It draws a launcher bubble and opens the chat in an iframe served by CHAT-HOST. Nothing
 * else runs in the host page: no inline styles in markup (CSSOM only, so a strict
 * style-src CSP on the host is fine), no globals besides `ProLivechat`.
 */
(function () {
  'use strict';
  if (window.ProLivechat) return;

  var script = document.currentScript;
  if (!script || !script.src) return;
  var chatOrigin = new URL(script.src, location.href).origin;
  var data = script.dataset;
  var color = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(data.color || '') ? data.color : '#4f5bd5';
  var side = data.position === 'left' ? 'left' : 'right';
  var lang = (data.lang || navigator.language || document.documentElement.lang || 'en').toLowerCase().split('-')[0];
  var SMALL = '(max-width: 480px)';
  var small = window.matchMedia ? window.matchMedia(SMALL) : { matches: false, addEventListener: function () {} };

  function css(node, styles) {
    for (var k in styles) node.style.setProperty(k, styles[k]);
    return node;
  }
  function svg(paths, size) {
    var ns = 'http://www.w3.org/2000/svg';
    var s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', size);
    s.setAttribute('height', size);
    s.setAttribute('fill', 'none');
    s.setAttribute('stroke', 'currentColor');
    s.setAttribute('stroke-width', '2');
    s.setAttribute('stroke-linecap', 'round');
    s.setAttribute('stroke-linejoin', 'round');
    s.setAttribute('aria-hidden', 'true');
    paths.forEach(function (d) {
      var p = document.createElementNS(ns, 'path');
      p.setAttribute('d', d);
      s.appendChild(p);
    });
    return s;
  }

  // --- launcher bubble ------------------------------------------------------------------------
  var bubble = document.createElement('button');
  bubble.type = 'button';
  bubble.id = 'prolivechat-launcher';
  bubble.setAttribute('aria-label', lang === 'id' ? 'Buka obrolan' : 'Open chat');
  bubble.setAttribute('aria-expanded', 'false');
  css(bubble, {
    position: 'fixed', bottom: '20px', width: '58px', height: '58px', 'border-radius': '50%', border: '0',
    background: color, color: '#fff', cursor: 'pointer', 'z-index': '2147483646', padding: '0',
    display: 'grid', 'place-items': 'center', 'box-shadow': '0 8px 24px rgba(20,25,60,.25), 0 2px 6px rgba(20,25,60,.15)',
    transition: 'transform .18s ease, box-shadow .18s ease',
  });
  bubble.style.setProperty(side, '20px');
  var iconChat = svg(['M21 11.5a8.4 8.4 0 0 1-9 8.4 8.9 8.9 0 0 1-4-.9L3 20.5l1.5-4.3A8 8 0 0 1 3 11.5 8.4 8.4 0 0 1 12 3a8.4 8.4 0 0 1 9 8.5Z'], 26);
  var iconClose = svg(['M18 6 6 18', 'M6 6l12 12'], 24);
  css(iconClose, { display: 'none' });
  bubble.appendChild(iconChat);
  bubble.appendChild(iconClose);

  var badge = document.createElement('span');
  badge.id = 'prolivechat-unread';
  badge.setAttribute('aria-live', 'polite');
  css(badge, {
    position: 'absolute', top: '-3px', right: '-3px', 'min-width': '20px', height: '20px', padding: '0 6px',
    'border-radius': '10px', background: '#e5484d', color: '#fff', font: '700 11px/20px system-ui, sans-serif',
    'text-align': 'center', 'box-shadow': '0 0 0 2px #fff', display: 'none', 'box-sizing': 'border-box',
  });
  bubble.appendChild(badge);
  bubble.addEventListener('mouseenter', function () { bubble.style.transform = 'scale(1.06)'; });
  bubble.addEventListener('mouseleave', function () { bubble.style.transform = ''; });

  // --- the chat iframe (loaded at once, so the unread count works while closed) -------------------
  var frame = document.createElement('iframe');
  // Nothing about the host page goes in the iframe's URL (servers and proxies log URLs):
  // the page's origin and path travel by postMessage, its query string and fragment never.
  var qs = new URLSearchParams({ lang: lang });
  if (data.title) qs.set('title', data.title);
  if (data.color) qs.set('color', color);
  frame.src = chatOrigin + '/widget/?' + qs.toString();
  frame.id = 'prolivechat-frame';
  frame.title = data.title || (lang === 'id' ? 'Obrolan langsung' : 'Live chat');
  frame.setAttribute('allow', 'clipboard-write');
  css(frame, {
    position: 'fixed', border: '0', 'z-index': '2147483647', background: 'transparent',
    'border-radius': '18px', 'box-shadow': '0 16px 48px rgba(20,25,60,.22), 0 4px 12px rgba(20,25,60,.1)',
    opacity: '0', visibility: 'hidden', transform: 'translateY(16px) scale(.98)', 'transform-origin': 'bottom ' + side,
    transition: 'opacity .2s ease, transform .2s ease, visibility 0s linear .2s', 'color-scheme': 'normal',
  });

  function layout() {
    if (small.matches) {
      css(frame, { top: '0', bottom: '0', left: '0', right: '0', width: '100%', height: '100%', 'border-radius': '0' });
    } else {
      css(frame, { top: 'auto', bottom: '92px', width: '380px', height: 'min(640px, calc(100vh - 120px))', 'border-radius': '18px' });
      frame.style.setProperty(side, '20px');
      frame.style.setProperty(side === 'right' ? 'left' : 'right', 'auto');
    }
    bubble.style.display = open && small.matches ? 'none' : 'grid';
  }

  var open = false;
  var ready = false;
  // The page's origin and path go with every message; a query string or fragment can hold
  // tokens or personal data and never leaves the host page.
  function pageLocation() {
    return (location.origin + location.pathname).slice(0, 1500);
  }
  function toFrame(type) {
    if (ready && frame.contentWindow) {
      frame.contentWindow.postMessage({ source: 'livechat-loader', type: type, page: pageLocation() }, chatOrigin);
    }
  }
  // Single-page shops change pages without reloading: agents see where the visitor is now.
  var lastPage = pageLocation();
  function notePage() {
    var page = pageLocation();
    if (page === lastPage) return;
    lastPage = page;
    toFrame('page');
  }
  window.addEventListener('popstate', notePage);
  window.addEventListener('hashchange', notePage);
  setInterval(notePage, 1000);
  function setOpen(value) {
    open = value;
    bubble.setAttribute('aria-expanded', String(open));
    bubble.setAttribute('aria-label', open ? (lang === 'id' ? 'Tutup obrolan' : 'Close chat') : (lang === 'id' ? 'Buka obrolan' : 'Open chat'));
    iconChat.style.display = open ? 'none' : '';
    iconClose.style.display = open ? '' : 'none';
    css(frame, open
      ? { opacity: '1', visibility: 'visible', transform: 'none', transition: 'opacity .2s ease, transform .2s ease' }
      : { opacity: '0', visibility: 'hidden', transform: 'translateY(16px) scale(.98)', transition: 'opacity .2s ease, transform .2s ease, visibility 0s linear .2s' });
    layout();
    toFrame(open ? 'open' : 'closed');
    if (open) { try { frame.focus(); } catch (e) { /* ignore */ } } else if (document.activeElement === frame) bubble.focus();
    try { sessionStorage.setItem('prolivechat.open', open ? '1' : '0'); } catch (e) { /* ignore */ }
  }
  function setUnread(n) {
    n = Math.max(0, Math.min(999, Number(n) || 0));
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.style.display = n > 0 ? 'block' : 'none';
    bubble.setAttribute('data-unread', String(n));
  }

  bubble.addEventListener('click', function () { setOpen(!open); });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape' && open) setOpen(false); });

  // Only the chat iframe, from the chat server's origin, may talk to us.
  window.addEventListener('message', function (ev) {
    if (ev.source !== frame.contentWindow || ev.origin !== chatOrigin) return;
    var msg = ev.data;
    if (!msg || msg.source !== 'livechat') return;
    if (msg.type === 'ready') {
      ready = true;
      toFrame(open ? 'open' : 'closed');
    } else if (msg.type === 'unread') {
      setUnread(msg.count);
    } else if (msg.type === 'close') {
      setOpen(false);
    }
  });
  if (small.addEventListener) small.addEventListener('change', layout);

  function mount() {
    document.body.appendChild(frame);
    document.body.appendChild(bubble);
    layout();
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem('prolivechat.open') === '1'; } catch (e) { /* ignore */ }
    if (wasOpen) setOpen(true);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  window.ProLivechat = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!open); },
  };
})();
