// The page an email's "continue the conversation" link opens: it trades the link's signed
// token for a visitor token (a POST, so mail scanners that only fetch links change nothing),
// keeps it where the widget keeps its token, and opens the chat.
const TOKEN_KEY = 'livechat.visitor.token';
const root = document.getElementById('resume');

async function resume() {
  const token = location.pathname.split('/').filter(Boolean).pop();
  const res = await fetch(root.dataset.api, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const data = await res.json();
  localStorage.setItem(TOKEN_KEY, data.token);
  const params = new URLSearchParams(data.language ? { lang: data.language } : {});
  location.replace(`${root.dataset.widget}?${params}`);
}

if (root?.dataset.valid === '1') {
  resume().catch(() => {
    document.getElementById('resume-title').hidden = true;
    document.getElementById('resume-error').hidden = false;
  });
}
