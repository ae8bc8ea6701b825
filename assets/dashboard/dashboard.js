// The ampstream dashboard: renders the `snapshot` server-sent events of /dashboard/events.
// Plain DOM, text only (never innerHTML with data), no dependencies, no build step.
'use strict';

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const int = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const one = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const dash = '–';
const n = (v) => (v === null || v === undefined ? dash : int.format(v));

function duration(seconds) {
  if (seconds === null || seconds === undefined) return dash;
  if (seconds < 90) return `${one.format(seconds)} s`;
  if (seconds < 5400) return `${one.format(seconds / 60)} min`;
  if (seconds < 172800) return `${one.format(seconds / 3600)} h`;
  return `${one.format(seconds / 86400)} d`;
}

function clock(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return dash;
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

function replace(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function renderStreams(streams) {
  replace(
    $('streams'),
    streams.map((s) => {
      const state = s.connected ? 'consuming' : s.state;
      return el(
        'tr',
        { class: s.connected ? undefined : 'bad', 'data-stream': s.name },
        el('th', { scope: 'row' }, s.name),
        el('td', {}, el('span', { class: `pill ${s.connected ? 'ok' : 'bad'}` }, state)),
        el('td', { class: 'num', 'aria-label': 'events' }, n(s.delivered)),
        el('td', { class: 'num' }, one.format(s.rate)),
        el('td', { class: 'num' }, n(s.queueDepth)),
        el('td', { class: 'num' }, duration(s.lagSeconds)),
        el('td', { class: 'num' }, n(s.consumers)),
      );
    }),
  );
}

function renderSinks(sinks) {
  replace(
    $('sinks'),
    sinks.map((s) => {
      const failing = s.health === 'failing';
      const health = failing ? `failing ${duration(s.failingSeconds)}` : 'healthy';
      const err = s.lastError ? `${s.lastError.code}: ${s.lastError.message} (${clock(s.lastError.at)})` : '';
      return el(
        'tr',
        { class: failing ? 'bad' : undefined, 'data-sink': s.name },
        el('th', { scope: 'row' }, s.name),
        el('td', {}, el('span', { class: `pill ${failing ? 'bad' : 'ok'}` }, health)),
        el('td', { class: 'num' }, n(s.written)),
        el('td', { class: 'num' }, one.format(s.rate)),
        el('td', { class: 'num' }, n(s.retries)),
        el('td', { class: 'error' }, err),
      );
    }),
  );
}

function renderDeadLetters(dl) {
  const count = $('dl-count');
  count.textContent = n(dl.count);
  count.className = dl.count > 0 ? 'count bad' : 'count';
  replace(
    $('dead-letters'),
    dl.last.length === 0
      ? [el('li', { class: 'muted' }, 'none')]
      : dl.last.map((d) =>
          el(
            'li',
            {},
            el('span', { class: 'time' }, clock(Date.parse(d.time))),
            el('span', { class: 'what' }, `${d.kind}: ${d.reason}`),
            el('span', { class: 'where' }, d.route || ''),
          ),
        ),
  );
}

function renderEvents(events, payloads) {
  replace(
    $('events'),
    events.length === 0
      ? [el('li', { class: 'muted' }, 'no event written yet')]
      : events.slice(0, 15).map((e) => {
          const li = el(
            'li',
            {},
            el('span', { class: 'time' }, clock(e.time)),
            el('span', { class: 'what', title: e.summary }, e.summary),
            el('span', { class: 'where' }, `→ ${e.sinks.join(', ')}`),
          );
          if (payloads && e.payload)
            li.append(el('details', {}, el('summary', {}, 'raw event'), el('pre', {}, e.payload)));
          return li;
        }),
  );
}

function render(snap) {
  const status = $('status');
  const healthy = snap.status === 'ok';
  status.textContent = healthy ? 'healthy' : 'unhealthy';
  status.className = `pill ${healthy ? 'ok' : 'bad'}`;
  $('updated').textContent = `updated ${clock(snap.at)}`;
  replace(
    $('reasons'),
    snap.reasons.map((r) => el('li', {}, r)),
  );
  renderStreams(snap.streams);
  renderSinks(snap.sinks);
  renderDeadLetters(snap.deadLetters);
  renderEvents(snap.events, snap.payloads);
}

function connect() {
  const source = new EventSource('/dashboard/events');
  source.addEventListener('snapshot', (m) => render(JSON.parse(m.data)));
  source.onerror = () => {
    const status = $('status');
    status.textContent = 'disconnected: retrying';
    status.className = 'pill warn';
  };
}

connect();
