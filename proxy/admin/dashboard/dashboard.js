'use strict';
const WINDOW_MS = 5000, REFRESH_MS = 1000, HISTORY = 60;
// Reads must keep up with the one-second refresh; changes may take the admin API's
// full 5 s (a state store confirming them) before it answers.
const READ_TIMEOUT_MS = 2500, CHANGE_TIMEOUT_MS = 8000;
// Sent as "reason" with every change, so the audit log tells page clicks from scripts.
const REASON = 'from the dashboard';
const NAMED = {blue: '#3b82f6', green: '#22c55e'};
const PALETTE = ['#a78bfa', '#f59e0b', '#2dd4bf', '#f472b6', '#94a3b8'];
// Which rollout actions the API accepts in which rollout state (the others answer 409).
const ROLLOUT_ACTIONS = {pause: ['progressing'], resume: ['paused'],
                         promote: ['progressing', 'paused'], abort: ['progressing', 'paused']};
const $ = (id) => document.getElementById(id);
let snaps = [], lastOk = 0;
const history = new Map();

// The admin token lives in this variable and nowhere else: never in localStorage,
// sessionStorage or a cookie. A stored token would outlive the tab and could be read
// back by anyone using this browser profile later; a cookie would also ride along
// with requests the page did not make (CSRF). The cost: a reload forgets it.
let token = '';
// What the last refresh saw, for the action handlers.
const current = {state: null, stacks: [], rollout: null};
// The weights form: the version its values came from (sent as If-Match) and whether
// the operator has edited them since (then refreshes leave them alone).
const weightsForm = {version: null, dirty: false, names: ''};
let busy = false;
// Refreshes overlap (the one-second loop and the one after each action); an older
// one that answers late must not paint over a newer one.
let refreshes = 0, painted = 0;

// Every dynamic text goes through textContent: stack names and reasons are data.
function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function colorOf(name, i) { return NAMED[name] || PALETTE[i % PALETTE.length]; }

// Prometheus text format 0.0.4 → [{name, labels, value}].
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {}, re = /([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g;
    for (let l; (l = re.exec(m[2] || ''));) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => c === 'n' ? '\n' : c);
    out.push({name: m[1], labels, value: Number(m[3])});
  }
  return out;
}
function blank() { return {req: 0, err: 0, buckets: new Map(), ws: null, weight: null, eps: []}; }
// One scrape summed per stack, plus a "total" over every stack (and "none").
function summarize(samples, t) {
  const s = {t, env: '', rollout: '', stacks: new Map(), total: blank(), certs: []};
  const get = (n) => s.stacks.get(n) || s.stacks.set(n, blank()).get(n);
  for (const x of samples) {
    const st = x.labels.stack;
    if (!s.env && x.labels.environment) s.env = x.labels.environment;
    if (x.name === 'http_requests_total') {
      const five = x.labels.status[0] === '5' ? x.value : 0;
      for (const g of [get(st), s.total]) { g.req += x.value; g.err += five; }
    } else if (x.name === 'http_request_duration_seconds_bucket') {
      const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
      for (const g of [get(st), s.total]) g.buckets.set(le, (g.buckets.get(le) || 0) + x.value);
    } else if (x.name === 'websocket_connections_active') { get(st).ws = x.value;
    } else if (x.name === 'quikedge_stack_weight') { get(st).weight = x.value;
    } else if (x.name === 'quikedge_upstream_healthy') { get(st).eps.push({address: x.labels.endpoint, healthy: x.value === 1});
    } else if (x.name === 'quikedge_rollout_state' && x.value === 1) { s.rollout = x.labels.state;
    } else if (x.name === 'quikedge_tls_certificate_expiry_timestamp_seconds') {
      s.certs.push({listener: x.labels.listener, subject: x.labels.subject, notAfter: x.value});
    }
  }
  return s;
}
// Keeps snapshots back to WINDOW_MS; a counter going down means a restart.
function pushSnapshot(s) {
  const last = snaps[snaps.length - 1];
  if (last && s.total.req < last.total.req) snaps = [];
  snaps.push(s);
  while (snaps.length > 2 && s.t - snaps[1].t >= WINDOW_MS) snaps.shift();
}
// histogram_quantile over bucket deltas, interpolating as Prometheus does.
function quantile(q, cur, base) {
  const les = [...cur.keys()].sort((a, b) => a - b);
  const d = les.map((le) => [le, cur.get(le) - ((base && base.get(le)) || 0)]);
  const total = d.length ? d[d.length - 1][1] : 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lo = 0, below = 0;
  for (const [le, c] of d) {
    if (c >= rank) return le === Infinity ? {v: lo, over: true} : {v: lo + (le - lo) * (rank - below) / (c - below)};
    lo = le; below = c;
  }
  return null;
}
function rates(name) {
  if (snaps.length < 2) return {rps: null, err: null, p99: null};
  const a = snaps[0], b = snaps[snaps.length - 1], dt = (b.t - a.t) / 1000;
  const cur = name ? b.stacks.get(name) || blank() : b.total;
  const old = name ? a.stacks.get(name) || blank() : a.total;
  const n = cur.req - old.req;
  return {rps: n / dt, err: n > 0 ? (cur.err - old.err) / n : null, p99: quantile(0.99, cur.buckets, old.buckets)};
}

function fmtRate(v) {
  if (v == null) return '—';
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
}
function fmtErr(v) { return v == null ? '—' : v === 0 ? '0%' : (v * 100 < 0.01 ? '<0.01' : (v * 100).toFixed(2)) + '%'; }
function fmtP99(p) {
  if (!p) return '—';
  const ms = p.v * 1000;
  const s = ms < 1000 ? ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0) + ' ms' : p.v.toFixed(2) + ' s';
  return p.over ? '> ' + s : s;
}
function errClass(v) { return v == null || v === 0 ? 'good' : v > 0.001 ? 'bad' : 'warn'; }
function p99Class(p) { return !p ? 'good' : p.v > 0.5 || p.over ? 'bad' : p.v > 0.25 ? 'warn' : 'good'; }
function ago(iso) {
  const t = Date.parse(iso);
  if (isNaN(t)) return '';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}
function duration(s) {
  s = Math.max(0, Math.round(s));
  return s >= 3600 ? Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm'
       : s >= 60 ? Math.floor(s / 60) + 'm ' + (s % 60) + 's' : s + 's';
}

// The stacks to show: from the state document, else from /metrics alone.
function stackList(state, snap) {
  if (state && state.stacks) {
    return Object.entries(state.stacks).map(([name, st]) => ({
      name, weight: (state.weights || {})[name] ?? st.weight ?? 0, healthy: st.healthy,
      draining: st.draining, endpoints: st.endpoints || [], websockets: st.websockets}));
  }
  if (!snap) return [];
  return [...snap.stacks].filter(([, g]) => g.weight != null).map(([name, g]) => ({
    name, weight: g.weight, healthy: g.eps.some((e) => e.healthy), draining: null,
    endpoints: g.eps, websockets: g.ws}));
}

function sparkline(values, color) {
  const ns = 'http://www.w3.org/2000/svg', svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 100 40');
  svg.setAttribute('preserveAspectRatio', 'none');
  const peak = Math.max(0, ...values.filter((v) => v != null)), max = Math.max(peak, 1);
  // Newest point at the right edge; the line grows leftwards as history fills.
  const pts = values.map((v, i) => [(HISTORY - values.length + i) * 100 / (HISTORY - 1), 38 - (v || 0) / max * 34]);
  if (pts.length > 1) {
    const area = document.createElementNS(ns, 'polygon'), line = document.createElementNS(ns, 'polyline');
    const text = pts.map((p) => p[0].toFixed(2) + ',' + p[1].toFixed(2)).join(' ');
    area.setAttribute('points', pts[0][0].toFixed(2) + ',40 ' + text + ' ' + pts[pts.length - 1][0].toFixed(2) + ',40');
    area.setAttribute('fill', color + '26');
    line.setAttribute('points', text);
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', color);
    line.setAttribute('stroke-width', '1.5');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(area, line);
  }
  return [svg, peak];
}

function stat(label, value, cls) {
  const d = h('div');
  d.append(h('dt', null, label), h('dd', cls || null, value));
  return d;
}

function stackCard(s, i, sum) {
  const color = colorOf(s.name, i), r = rates(s.name), share = sum > 0 ? s.weight / sum * 100 : 0;
  const card = h('article', 'card stack');
  card.dataset.stack = s.name;
  card.dataset.weight = String(s.weight);
  card.style.setProperty('--c', color);
  const head = h('header'), badges = h('span', 'badges');
  head.append(h('span', 'dot'), h('h3', null, s.name), badges);
  badges.append(s.healthy ? h('span', 'badge ok', 'healthy') : h('span', 'badge bad', 'unhealthy'));
  if (s.draining) badges.append(h('span', 'badge warn', 'draining'));
  const weight = h('div', 'weight');
  weight.append(h('b', 'num', String(s.weight)), h('span', null, 'weight · ' + share.toFixed(1) + '% of traffic'));
  const meter = h('div', 'meter'), fill = h('i');
  fill.style.width = share + '%';
  meter.append(fill);
  const stats = h('dl', 'stats');
  stats.append(stat('Req/s', fmtRate(r.rps)), stat('Errors', fmtErr(r.err), errClass(r.err)),
               stat('P99', fmtP99(r.p99), p99Class(r.p99)),
               stat('WebSockets', s.websockets == null ? '—' : String(s.websockets)));
  const values = history.get(s.name) || [];
  const [svg, peak] = sparkline(values, color);
  const label = h('div', 'sparklabel');
  label.append(h('span', null, 'requests/s · last ' + HISTORY + ' s'), h('span', 'num', 'peak ' + fmtRate(peak)));
  const eps = h('ul', 'eps');
  for (const e of s.endpoints) {
    const li = h('li', e.healthy ? 'up' : 'down');
    li.append(h('i'), h('span', 'mono', e.address), h('span', 'state', e.healthy ? 'healthy' : 'unhealthy'));
    eps.append(li);
  }
  card.append(head, weight, meter, stats, svg, label, eps);
  return card;
}

function renderSplit(list, sum) {
  const bar = $('split');
  bar.replaceChildren(...list.filter((s) => s.weight > 0).map((s) => {
    const seg = h('div', s.draining ? 'draining' : '', s.weight / sum >= 0.08 ? s.name + ' ' + (s.weight / sum * 100).toFixed(1) + '%' : '');
    seg.style.flexBasis = (s.weight / sum * 100) + '%';
    seg.style.background = colorOf(s.name, list.indexOf(s));
    seg.title = s.name + ': weight ' + s.weight;
    return seg;
  }));
}

function renderRollout(ro, fallbackState) {
  const body = $('rollout-body'), state = (ro && ro.state) || fallbackState || 'idle';
  $('rollout').dataset.state = state;
  const kind = {progressing: 'info', paused: 'warn', succeeded: 'ok', rolled_back: 'bad', aborted: 'bad'}[state] || 'idle';
  const chip = h('span', 'badge ' + kind, state.replace('_', ' '));
  if (state === 'idle' || !ro || !ro.to) {
    const row = h('div', 'row');
    row.append(chip, h('span', 'hint', state === 'idle' ? 'No rollout in progress. Start one below, or with: quikctl rollout start --to STACK'
                                                         : 'Details need a token (GET /api/v1/rollout).'));
    body.className = '';
    body.replaceChildren(row);
    return;
  }
  const steps = Array.isArray(ro.steps) ? ro.steps : [];
  const row = h('div', 'row');
  row.append(h('span', 'path', (ro.from || '?') + ' → ' + ro.to), chip);
  if (ro.step != null) row.append(h('span', 'hint', 'step ' + (ro.step + 1) + (ro.steps_total || steps.length ? ' of ' + (ro.steps_total || steps.length) : '')));
  row.append(h('span', 'hint num', ro.to + ' at ' + (ro.weight ?? '?') + '%'));
  const left = ro.pause_left_seconds ?? (ro.next_step_at ? (Date.parse(ro.next_step_at) - Date.now()) / 1000 : null);
  if (left != null && !isNaN(left) && (state === 'progressing')) row.append(h('span', 'hint num', 'next step in ' + duration(left)));
  const progress = h('div', 'progress'), fill = h('i');
  fill.style.width = Math.min(100, Math.max(0, ro.weight || 0)) + '%';
  progress.append(fill);
  for (const st of steps) {
    const mark = h('b');
    mark.style.left = 'calc(' + st.weight + '% - 1px)';
    mark.title = st.weight + '%' + (st.pause ? ', pause ' + st.pause : '');
    progress.append(mark);
  }
  const parts = [row, progress];
  if (ro.reason) parts.push(h('p', 'hint', ro.reason));
  const g = ro.last_gate;
  if (g) {
    const gates = h('div', 'gates');
    // Colours from the numbers themselves; too few requests is waiting, not failing.
    const cell = (label, value, cls) => { const d = h('div'); d.append(h('span', null, label), h('b', 'num ' + cls, value)); return d; };
    const p99 = g.p99_seconds == null ? null : {v: g.p99_seconds};
    const verdict = g.passed ? ['passed', 'good'] : g.failure ? [g.failure, 'bad']
                  : !g.enough_requests ? ['collecting requests', 'warn'] : ['pending', 'warn'];
    gates.append(cell('requests in window', g.requests + ' / ' + g.min_requests, g.enough_requests ? 'good' : 'warn'),
                 cell('error rate', fmtErr(g.error_rate) + ' / ' + fmtErr(g.max_error_rate), g.error_rate > g.max_error_rate ? 'bad' : 'good'),
                 cell('p99', fmtP99(p99) + ' / ' + fmtP99({v: g.max_p99_seconds}), p99 && p99.v > g.max_p99_seconds ? 'bad' : 'good'),
                 cell('last gate', verdict[0], verdict[1]));
    parts.push(gates);
  }
  body.className = '';
  body.replaceChildren(...parts);
}

// The fleet panel: GET /api/v1/fleet, the replicas sharing the state store.
function renderFleet(fleet, authStatus) {
  const panel = $('fleet'), body = $('fleet-body');
  if (!fleet) {
    panel.dataset.backend = '';
    body.replaceChildren(h('p', 'hint', authStatus ? 'The fleet needs a token (GET /api/v1/fleet, readonly role).'
                                                   : 'The fleet could not be read.'));
    return;
  }
  body.className = '';
  panel.dataset.backend = fleet.backend;
  panel.dataset.storeUp = String(fleet.store_up);
  const row = h('div', 'row'), leader = h('span', 'hint', 'rollout leader: ');
  leader.append(h('b', 'leader', fleet.rollout_leader ?? 'none'));
  row.append(h('span', 'chip', fleet.backend),
             fleet.store_up ? h('span', 'badge ok', 'store up') : h('span', 'badge bad', 'store down'),
             h('span', 'hint num', 'version ' + fleet.version), leader);
  const table = h('table', 'replicas'), head = h('tr');
  for (const title of ['replica', 'address', 'applied version', 'lag', 'last seen']) head.append(h('th', null, title));
  table.append(head);
  for (const r of fleet.replicas || []) table.append(replicaRow(r));
  body.replaceChildren(row, table);
}

// One replica; a replica behind the stored version is highlighted: it still routes
// by older weights.
function replicaRow(r) {
  const lagging = r.lag > 0, tr = h('tr', lagging ? 'lagging' : '');
  tr.dataset.replica = r.id;
  tr.dataset.lag = String(r.lag);
  const lag = h('td', 'num ' + (lagging ? 'warn' : 'good'), lagging ? r.lag + ' behind' : 'in sync');
  tr.append(h('td', 'mono', r.id), h('td', 'mono', r.address), h('td', 'num', String(r.applied_version)), lag,
            h('td', null, ago(r.last_seen)));
  tr.lastChild.title = r.last_seen;
  return tr;
}

// Certificates in use and the days until each expires: red under 14 days (the
// alert's threshold), amber under 30. Hidden without TLS listeners.
function renderCertificates(certs) {
  $('certs').hidden = certs.length === 0;
  const rows = certs.slice().sort((a, b) => a.notAfter - b.notAfter).map((c) => {
    const days = (c.notAfter * 1000 - Date.now()) / 86400000;
    const row = h('div', 'row');
    row.append(h('span', 'num ' + (days < 14 ? 'bad' : days < 30 ? 'warn' : 'good'),
                 days < 0 ? 'expired' : Math.floor(days) + ' days'),
               h('span', '', c.subject), h('span', 'hint', c.listener + ' · until ' +
                 new Date(c.notAfter * 1000).toISOString().slice(0, 10)));
    return row;
  });
  $('certs-body').replaceChildren(...rows);
}

function render(state, fleet, snap, auth, problems) {
  if (snap) {
    pushSnapshot(snap);
    $('env').textContent = snap.env || 'quikedge';
  }
  const list = stackList(state, snap);
  for (const s of list) {
    const values = history.get(s.name) || [];
    if (snap) values.push(rates(s.name).rps);
    while (values.length > HISTORY) values.shift();
    history.set(s.name, values);
  }
  const sum = list.reduce((a, s) => a + s.weight, 0);
  renderSplit(list, sum);
  $('stacks').replaceChildren(...list.map((s, i) => stackCard(s, i, sum)));
  const t = rates(null), ws = list.reduce((a, s) => a + (s.websockets || 0), 0);
  $('k-rps').textContent = fmtRate(t.rps);
  $('k-err').textContent = fmtErr(t.err);
  $('k-err').className = 'v num ' + errClass(t.err);
  $('k-p99').textContent = fmtP99(t.p99);
  $('k-p99').className = 'v num ' + p99Class(t.p99);
  $('k-ws').textContent = String(ws);
  if (!state && auth.state) {
    $('version').textContent = 'metrics-only view';
    $('changed').textContent = '';
  }
  if (state) {
    $('version').textContent = 'version ' + state.version;
    $('changed').textContent = 'changed ' + ago(state.changed_at) + ' by ' + state.changed_by;
    $('changed').title = state.changed_at;
  }
  renderRollout(state && state.rollout, snap && snap.rollout);
  renderFleet(fleet, auth.fleet);
  if (snap) renderCertificates(snap.certs);
  if (state) current.state = state;
  current.stacks = list;
  current.rollout = (state && state.rollout && state.rollout.state) || (snap && snap.rollout) || null;
  syncWeightsForm(state);
  syncActions();
  showAuth(auth.state);
  $('problem').hidden = problems.length === 0;
  $('problem').textContent = problems.join(' · ');
  if (snap || state) lastOk = Date.now();
  $('updated').textContent = lastOk ? new Date(lastOk).toLocaleTimeString() : 'never';
  document.body.dataset.ready = '1';
}

function showAuth(status) {
  if (!status) { if (!$('auth').dataset.open) $('auth').hidden = true; return; }
  $('auth').hidden = false;
  $('auth-msg').textContent = status === 403 ? 'This token may not read /api/v1/state; a readonly token is enough to watch, an operator token to act.'
    : token ? 'The token was refused. Weights and health below come from /metrics.'
            : 'The admin API needs a bearer token. Until one is typed, weights and health come from /metrics.';
}

// The header button says whether a token is held, never what it is.
function showTokenState() {
  $('token-button').textContent = token ? 'Token · in memory' : 'Token';
  $('forget').disabled = !token;
}

function updateConnection() {
  const age = Date.now() - lastOk, pill = $('conn');
  pill.className = 'pill ' + (!lastOk ? '' : age < 3000 ? 'live' : age < 10000 ? 'stale' : 'down');
  pill.lastChild.textContent = !lastOk ? 'connecting' : age < 3000 ? 'live' : age < 10000 ? 'stale' : 'offline';
}

// Headers for an admin call: the token only when one was typed (an empty Bearer
// would be refused where no token is needed at all).
function apiHeaders(json) {
  const headers = {};
  if (json) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  return headers;
}

// credentials: 'omit': the page authenticates with the typed token alone, so no
// cookie or cached HTTP credential of this browser can act through it.
async function fetchWithTimeout(path, options, ms) {
  const ctl = new AbortController(), timer = setTimeout(() => ctl.abort(), ms);
  try { return await fetch(path, {cache: 'no-store', credentials: 'omit', signal: ctl.signal, ...options}); }
  finally { clearTimeout(timer); }
}

// One read of the refresh: {doc} on success, {auth: 401|403} when refused, else
// a line in `problems`. /metrics is public and gets no token.
async function readJson(settled, label, problems) {
  try {
    if (settled.status === 'rejected') problems.push(label + ': ' + settled.reason);
    else if (settled.value.status === 401 || settled.value.status === 403) return {auth: settled.value.status};
    else if (!settled.value.ok) problems.push(label + ': HTTP ' + settled.value.status);
    else return {doc: await settled.value.json()};
  } catch (e) { problems.push(label + ': ' + e); }
  return {};
}

async function refresh() {
  const seq = ++refreshes, problems = [];
  let snap = null;
  const read = (path, withToken) => fetchWithTimeout(path, {headers: withToken ? apiHeaders(false) : {}}, READ_TIMEOUT_MS);
  const [st, fl, me] = await Promise.allSettled([read('/api/v1/state', true), read('/api/v1/fleet', true), read('/metrics', false)]);
  const state = await readJson(st, 'state', problems), fleet = await readJson(fl, 'fleet', problems);
  try {
    if (me.status === 'rejected') problems.push('metrics: ' + me.reason);
    else if (!me.value.ok) problems.push('metrics: HTTP ' + me.value.status);
    else snap = summarize(parseMetrics(await me.value.text()), performance.now());
  } catch (e) { problems.push('metrics: ' + e); }
  if (seq < painted) return;
  painted = seq;
  render(state.doc || null, fleet.doc || null, snap, {state: state.auth || 0, fleet: fleet.auth || 0}, problems);
}

async function loop() {
  try { await refresh(); } catch (e) { $('problem').hidden = false; $('problem').textContent = String(e); }
  updateConnection();
  setTimeout(loop, REFRESH_MS);
}

// ---- Acting: weights, rollback, rollouts -------------------------------------

// Shows the outcome of the last action; data-status lets a test read the HTTP status.
function showResult(kind, text, status) {
  const msg = $('action-msg');
  msg.className = 'msg ' + kind;
  msg.dataset.status = status == null ? '' : String(status);
  msg.textContent = text;
}

// The API's {"error": "..."} text, else whatever the body says.
async function errorText(res) {
  const text = await res.text().catch(() => '');
  try {
    const doc = JSON.parse(text);
    if (doc && typeof doc.error === 'string') return doc.error;
  } catch (e) { /* not JSON: show the text */ }
  return text.trim() || res.statusText || 'no details';
}

// One change: always JSON (the API refuses other content types, which is what
// stops other sites' forms from forging calls) and the typed token. `onOk` gets
// the answer's JSON; a refusal shows the API's reason instead. The page refreshes
// either way, so a refused change also shows what the state is now.
async function change(label, method, path, body, onOk, extraHeaders) {
  busy = true;
  syncActions();
  try {
    const res = await fetchWithTimeout(path, {method, headers: {...apiHeaders(true), ...extraHeaders},
                                              body: JSON.stringify(body)}, CHANGE_TIMEOUT_MS);
    if (!res.ok) {
      showResult('bad', label + ' refused (' + res.status + '): ' + await errorText(res), res.status);
      return;
    }
    onOk(await res.json());
  } catch (e) {
    showResult('bad', label + ' failed: ' + (e.name === 'AbortError' ? 'no answer within ' + CHANGE_TIMEOUT_MS / 1000 + ' s' : e.message));
  } finally {
    busy = false;
    await refresh().catch(() => {});
  }
}

function weightsText(weights) {
  return Object.entries(weights || {}).map(([name, w]) => name + '=' + w).join(' ');
}

// Fills the weights form from the state, unless the operator is editing it: then
// the values stay and only the note says the state moved on (Set weights will get
// 409 for the old version, which is the point of If-Match).
function syncWeightsForm(state) {
  if (!state) {
    if (weightsForm.version == null) $('weights-base').textContent = 'needs the state (GET /api/v1/state): type a token';
    return;
  }
  const names = Object.keys(state.stacks || state.weights || {});
  const key = names.join('\n');
  if (key !== weightsForm.names) {
    $('weight-inputs').replaceChildren(...names.map(weightInput));
    weightsForm.names = key;
    weightsForm.dirty = false;
  }
  if (!weightsForm.dirty) {
    for (const input of $('weight-inputs').querySelectorAll('input')) input.value = String(state.weights[input.dataset.stack] ?? 0);
    weightsForm.version = state.version;
  }
  const base = $('weights-base'), stale = weightsForm.version !== state.version;
  base.className = 'hint' + (stale ? ' warn' : '');
  base.textContent = stale ? 'edited from version ' + weightsForm.version + '; the state is now version ' + state.version + ' (Reset to start from it)'
                           : 'from version ' + weightsForm.version;
}

function weightInput(name) {
  const label = h('label', 'w'), input = h('input');
  input.type = 'number';
  input.min = '0';
  input.step = '1';
  input.inputMode = 'numeric';
  input.dataset.stack = name;
  input.setAttribute('aria-label', 'weight of ' + name);
  label.append(h('span', null, name), input);
  return label;
}

// Keeps the operator's choice across refreshes: the options change only with the
// list of stacks, and an untouched select follows `preferred` from the state.
function syncSelect(select, names, preferred) {
  const key = names.join('\n');
  if (select.dataset.names !== key) {
    select.replaceChildren(h('option', null, 'stack…'), ...names.map((n) => h('option', null, n)));
    select.firstChild.value = '';
    select.dataset.names = key;
    select.dataset.touched = '';
  }
  if (!select.dataset.touched) select.value = preferred || '';
}

// Where a new rollout would go: a stack other than the one serving the most.
function rolloutCandidate(stacks) {
  const top = Math.max(...stacks.map((s) => s.weight));
  const other = stacks.find((s) => s.weight < top);
  return other ? other.name : '';
}

function isActive(rollout) { return rollout === 'progressing' || rollout === 'paused'; }

// Enables each action only where the API would accept it, and none while one runs.
function syncActions() {
  const names = current.stacks.map((s) => s.name), ro = current.rollout;
  const running = current.state && current.state.rollout && isActive(ro) ? current.state.rollout.to : null;
  syncSelect($('rollback-to'), names, current.state && current.state.rollback_target);
  syncSelect($('rollout-to'), names, running || rolloutCandidate(current.stacks));
  $('weights-apply').disabled = busy || weightsForm.version == null;
  $('weights-reset').disabled = busy || !weightsForm.dirty;
  $('rollback').disabled = busy || !$('rollback-to').value;
  $('rollout-start').disabled = busy || !ro || isActive(ro) || !$('rollout-to').value;
  for (const [action, states] of Object.entries(ROLLOUT_ACTIONS)) $('rollout-' + action).disabled = busy || !states.includes(ro);
  $('actions').dataset.rollout = ro || '';
}

async function setWeights(ev) {
  ev.preventDefault();
  const weights = {};
  // An empty or non-numeric field goes as null: the API answers 400 and names it.
  for (const input of $('weight-inputs').querySelectorAll('input')) weights[input.dataset.stack] = input.value === '' ? null : Number(input.value);
  await change('Set weights', 'PUT', '/api/v1/weights', {weights, reason: REASON}, (doc) => {
    showResult('ok', 'Weights set: ' + weightsText(doc.weights) + ' (version ' + doc.version + ')', 200);
    weightsForm.dirty = false;
  }, {'If-Match': '"' + weightsForm.version + '"'});
}

// Rollback moves all weight at once and aborts a running rollout: the operator
// confirms, told exactly where the weight goes. The target is sent explicitly, so
// the API does what the dialog said even if its default moved meanwhile.
async function rollback() {
  const to = $('rollback-to').value;
  if (!to) return;
  const others = current.stacks.map((s) => s.name).filter((n) => n !== to);
  const question = 'Roll back now?\n\nAll weight goes to "' + to + '" at once' +
                   (others.length ? ' (' + others.join(', ') + ' to 0)' : '') + '.' +
                   (isActive(current.rollout) ? '\nThe running rollout is aborted.' : '');
  if (!window.confirm(question)) {
    showResult('info', 'Rollback cancelled; nothing changed.');
    return;
  }
  await change('Roll back', 'POST', '/api/v1/rollback', {to, reason: REASON}, (doc) => {
    showResult('ok', 'Rolled back: ' + weightsText(doc.weights) + ' (version ' + doc.version + ')', 200);
    $('rollback-to').dataset.touched = '';
  });
}

function rolloutText(ro) {
  if (!ro.to) return 'rollout ' + ro.state;
  return 'rollout ' + (ro.from || '?') + ' → ' + ro.to + ' ' + ro.state.replace('_', ' ') + ', ' + ro.to + ' at ' + ro.weight + '%';
}

async function startRollout() {
  const to = $('rollout-to').value;
  if (!to) return;
  await change('Start rollout', 'POST', '/api/v1/rollout', {to, reason: REASON}, (doc) => {
    showResult('ok', 'Started: ' + rolloutText(doc), 200);
    $('rollout-to').dataset.touched = '';
  });
}

async function rolloutAction(action) {
  const label = action[0].toUpperCase() + action.slice(1);
  await change(label, 'POST', '/api/v1/rollout/' + action, {reason: REASON},
               (doc) => showResult('ok', label + ': ' + rolloutText(doc), 200));
}

// ---- Wiring (no inline handlers: the CSP allows only this script) -----------

$('window').textContent = String(WINDOW_MS / 1000);
$('token-button').addEventListener('click', () => {
  const open = $('auth').hidden;
  $('auth').hidden = !open;
  $('auth').dataset.open = open ? '1' : '';
  if (open) $('token').focus();
});
$('auth-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = $('token').value.trim();
  // The field is emptied: from here on the variable is the page's only copy.
  $('token').value = '';
  $('auth').dataset.open = '';
  $('auth-msg').textContent = token ? 'Token kept in this tab\'s memory only (never stored); a reload forgets it.' : '';
  showTokenState();
  refresh();
});
$('forget').addEventListener('click', () => {
  token = '';
  $('auth-msg').textContent = 'Token forgotten.';
  showTokenState();
  refresh();
});
$('weights-form').addEventListener('submit', setWeights);
$('weight-inputs').addEventListener('input', () => { weightsForm.dirty = true; syncActions(); });
$('weights-reset').addEventListener('click', () => {
  weightsForm.dirty = false;
  syncWeightsForm(current.state);
  syncActions();
});
for (const id of ['rollback-to', 'rollout-to']) {
  $(id).addEventListener('change', () => { $(id).dataset.touched = '1'; syncActions(); });
}
$('rollback').addEventListener('click', rollback);
$('rollout-start').addEventListener('click', startRollout);
for (const action of Object.keys(ROLLOUT_ACTIONS)) $('rollout-' + action).addEventListener('click', () => rolloutAction(action));
showTokenState();
setInterval(updateConnection, 1000);
loop();
