// The supervisors' reports page: a period and an agent in, the overview (GET
// /api/v1/reports/overview/) out as KPI cards, three charts (Chart.js, vendored) and a table.
import { createApi } from '../livechat/api.js';
import { el, paintAvatar } from '../livechat/dom.js';
import { gettext, fmt, lang } from '../livechat/i18n.js';
import { createToast } from '../livechat/toast.js';

const root = document.getElementById('reports');
const api = createApi({});
const toast = createToast(document.getElementById('toast'));
const Chart = globalThis.Chart;
const MAX_DAYS = Number(root.dataset.maxDays) || 366;
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const $ = (id) => document.getElementById(id);
const inputs = { from: $('from'), to: $('to'), agent: $('agent') };

// --- dates, in the browser's time zone ----------------------------------------------------------
const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
/** @returns {string} today as YYYY-MM-DD where the supervisor is */
const today = () => isoDay.format(new Date());
/** @param {string} day YYYY-MM-DD @param {number} n @returns {string} */
function addDays(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const spanDays = (from, to) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 864e5) + 1;
const shortDay = new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayLabel = (day) => shortDay.format(new Date(`${day}T12:00:00Z`));

// --- numbers -----------------------------------------------------------------------------------
const number = new Intl.NumberFormat(lang());
const percent = new Intl.NumberFormat(lang(), { style: 'percent', maximumFractionDigits: 1 });

/** A duration for people: 45 s, 3 min 5 s, 1 h 20 min, 2 d 4 h; – when unknown. */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return fmt(gettext('%(s)s s'), { s });
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? fmt(gettext('%(m)s min %(s)s s'), { m, s: s % 60 }) : fmt(gettext('%(m)s min'), { m });
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? fmt(gettext('%(h)s h %(m)s min'), { h, m: m % 60 }) : fmt(gettext('%(h)s h'), { h });
  const d = Math.floor(h / 24);
  return h % 24 ? fmt(gettext('%(d)s d %(h)s h'), { d, h: h % 24 }) : fmt(gettext('%(d)s d'), { d });
}

// --- the period and the agent, kept in the address ---------------------------------------------
function readState() {
  const q = new URLSearchParams(location.search);
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const to = day.test(q.get('to') || '') ? q.get('to') : today();
  const from = day.test(q.get('from') || '') ? q.get('from') : addDays(to, -6);
  return { from, to, agent: q.get('agent') || '' };
}

function query(state, extra = {}) {
  const q = new URLSearchParams({ from: state.from, to: state.to, tz, ...extra });
  if (state.agent) q.set('agent', state.agent);
  return q;
}

function showState(state) {
  inputs.from.value = state.from;
  inputs.to.value = state.to;
  inputs.agent.value = state.agent;
  const days = spanDays(state.from, state.to);
  for (const button of document.querySelectorAll('.preset')) {
    const pressed = state.to === today() && Number(button.dataset.days) === days;
    button.setAttribute('aria-pressed', String(pressed));
  }
  $('export').href = `${root.dataset.api}?${query(state, { format: 'csv' })}`;
  $('tz-note').textContent = fmt(gettext('Days and hours in %(tz)s.'), { tz });
  const address = new URLSearchParams({ from: state.from, to: state.to });
  if (state.agent) address.set('agent', state.agent);
  history.replaceState(null, '', `?${address}`);
}

// --- charts ------------------------------------------------------------------------------------
const css = getComputedStyle(document.documentElement);
const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
const BRAND = color('--brand', '#4f5bd5');
const OK = color('--ok', '#1f9d61');
const AI = color('--ai', '#7c4dd8');
const GRID = color('--line-2', '#eef0f5');
const charts = {};

if (Chart) {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = color('--muted', '#6d7588');
  Chart.defaults.animation = false;
}

function chart(id, type, datasets, options = {}) {
  if (!Chart) return null;
  const canvas = $(id);
  charts[id] ||= new Chart(canvas, {
    type,
    data: { labels: [], datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { display: datasets.length > 1, position: 'bottom', labels: { boxWidth: 12 } } },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { precision: 0 } },
      },
      ...options,
    },
  });
  return charts[id];
}

function drawCharts(report) {
  const labels = report.per_day.map((d) => dayLabel(d.date));
  const volume = chart('chart-volume', 'bar', [
    { label: gettext('Created'), data: [], backgroundColor: BRAND, borderRadius: 4, maxBarThickness: 28 },
    { label: gettext('Closed'), data: [], backgroundColor: OK, borderRadius: 4, maxBarThickness: 28 },
  ]);
  if (volume) {
    volume.data.labels = labels;
    volume.data.datasets[0].data = report.per_day.map((d) => d.created);
    volume.data.datasets[1].data = report.per_day.map((d) => d.closed);
    volume.update();
  }
  const first = chart('chart-first', 'line', [
    { label: gettext('Median'), data: [], borderColor: AI, backgroundColor: AI, tension: 0.3, spanGaps: true, pointRadius: 3 },
  ], {
    plugins: {
      legend: { display: false },
      tooltip: { callbacks: { label: (item) => duration(item.parsed.y) } },
    },
    scales: {
      x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
      y: { beginAtZero: true, grid: { color: GRID }, ticks: { callback: (value) => duration(value) } },
    },
  });
  if (first) {
    first.data.labels = labels;
    first.data.datasets[0].data = report.per_day.map((d) => d.first_response_median);
    first.update();
  }
  const hours = chart('chart-hours', 'bar', [
    { label: gettext('Conversations'), data: [], backgroundColor: BRAND, borderRadius: 3 },
  ]);
  if (hours) {
    hours.data.labels = report.per_hour.map((_, h) => String(h).padStart(2, '0'));
    hours.data.datasets[0].data = report.per_hour;
    hours.update();
  }
}

// --- cards and table ---------------------------------------------------------------------------
function drawCards(report) {
  const c = report.conversations;
  const first = report.first_response_seconds;
  const resolution = report.resolution_seconds;
  $('kpi-created').textContent = number.format(c.created);
  $('kpi-created-sub').textContent = fmt(gettext('%(closed)s closed · %(reopened)s reopened'), {
    closed: number.format(c.closed), reopened: number.format(c.reopened),
  });
  $('kpi-first').textContent = duration(first.median);
  $('kpi-first-sub').textContent = first.count
    ? fmt(gettext('p90 %(p90)s · %(count)s answered'), { p90: duration(first.p90), count: number.format(first.count) })
    : gettext('No agent replies yet');
  $('kpi-resolution').textContent = duration(resolution.median);
  $('kpi-resolution-sub').textContent = resolution.count
    ? fmt(gettext('p90 %(p90)s · %(count)s closed'), { p90: duration(resolution.p90), count: number.format(resolution.count) })
    : gettext('None closed in this period');
  const ai = c.ai_answered ?? 0;
  $('kpi-ai').textContent = c.created ? percent.format(ai / c.created) : '–';
  $('kpi-ai-sub').textContent = fmt(gettext('%(ai)s of %(total)s conversations'), {
    ai: number.format(ai), total: number.format(c.created),
  });
  $('kpis').setAttribute('aria-busy', 'false');
}

function drawTable(report) {
  const rows = report.per_agent.map((row) => {
    const avatar = el('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' });
    paintAvatar(avatar, row.agent.name);
    return el('tr', {},
      el('th', { scope: 'row' }, el('span', { class: 'agent-cell' }, avatar, row.agent.name)),
      el('td', { class: 'num', text: number.format(row.conversations) }),
      el('td', { class: 'num', text: number.format(row.replies) }),
      el('td', { class: 'num', text: duration(row.first_response_median) }),
      el('td', { class: 'num', text: duration(row.resolution_median) }));
  });
  $('agents-body').replaceChildren(...rows);
  $('agents-empty').hidden = rows.length > 0;
}

// --- loading -----------------------------------------------------------------------------------
let state = readState();
let loading = 0;

async function load() {
  if (state.from > state.to) [state.from, state.to] = [state.to, state.from];
  if (spanDays(state.from, state.to) > MAX_DAYS) state.from = addDays(state.to, -(MAX_DAYS - 1));
  showState(state);
  const ticket = ++loading;
  $('kpis').setAttribute('aria-busy', 'true');
  try {
    const report = await api.get(`${root.dataset.api}?${query(state)}`);
    if (ticket !== loading) return; // a newer request is on its way
    drawCards(report);
    drawCharts(report);
    drawTable(report);
    root.dataset.loaded = `${state.from}/${state.to}/${state.agent}`;
  } catch (err) {
    if (ticket === loading) toast.error(err);
  }
}

async function loadAgents() {
  try {
    const res = await api.get(root.dataset.agentsUrl);
    inputs.agent.append(...res.agents.map((a) => el('option', { value: a.id, text: a.name })));
    inputs.agent.value = state.agent;
  } catch (err) {
    toast.error(err);
  }
}

for (const button of document.querySelectorAll('.preset')) {
  button.addEventListener('click', () => {
    const to = today();
    state = { ...state, to, from: addDays(to, -(Number(button.dataset.days) - 1)) };
    load();
  });
}
for (const input of [inputs.from, inputs.to]) {
  input.addEventListener('change', () => {
    if (!inputs.from.value || !inputs.to.value) return;
    state = { ...state, from: inputs.from.value, to: inputs.to.value };
    load();
  });
}
inputs.agent.addEventListener('change', () => { state = { ...state, agent: inputs.agent.value }; load(); });
$('filters').addEventListener('submit', (ev) => ev.preventDefault());

await loadAgents();
load();
