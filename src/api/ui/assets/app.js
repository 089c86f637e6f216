// The reports page: a signed-in mentor or org admin picks a batch, requests a report (a zip locked
// with a passphrase made here), waits for it and downloads it. Plain ES2020, no build step: the
// service sends this file as is. It talks only to /ui/api (same origin, session cookie), whose
// answers are Sunbird's envelope { params: { errmsg }, result }.
// Text reaches the page through textContent only, never innerHTML: batch and course names are
// other people's input.

const API = '/ui/api';
const POLL_MS = 2000;
// After a failed poll, wait longer: the service may be restarting, and every open page polls it.
const POLL_RETRY_MS = 10000;
const SEARCH_DELAY_MS = 250;
const UNREACHABLE = 'The service could not be reached; try again.';
// Letters and digits that need no quoting in a shell (7z x -p…) and are told apart when read aloud.
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const ACTIVE = new Set(['SUBMITTED', 'PROCESSING']);

const $ = (id) => document.getElementById(id);
const state = { session: null, batches: new Map(), generation: 0, batch: null, leaving: false };

/* ---------- Small DOM helpers ---------- */

/** An element with attributes (null/false skipped) and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

const srOnly = (text) => el('span', { class: 'visually-hidden' }, text);

/** Says something through a live region. Emptied first, so the same sentence twice is heard twice. */
function announce(region, message) {
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 50);
}

function showError(message) { $('alert').textContent = message; }
function clearError() { $('alert').textContent = ''; }

/* ---------- The API ---------- */

class ApiError extends Error {}

/** One call to the JSON API: its `result`, or an ApiError whose message can be shown as is. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = state.session ? state.session.csrfToken : '';
  }
  let response;
  try {
    response = await fetch(API + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(UNREACHABLE);
  }
  if (response.status === 401) {
    signIn();
    throw new ApiError('Your session has ended; taking you to sign in.');
  }
  let envelope = null;
  try { envelope = await response.json(); } catch { /* a proxy's HTML error page: said in words below */ }
  const errmsg = envelope && envelope.params && envelope.params.errmsg;
  if (!response.ok || !envelope) {
    throw new ApiError(errmsg || (response.status >= 500 ? `The service had a problem (HTTP ${response.status}); try again.` : `The service refused this (HTTP ${response.status}).`));
  }
  return envelope.result;
}

/** The session ended: sign in again, then come back to the same view. */
function signIn() {
  if (state.leaving) return;
  state.leaving = true;
  location.assign('/signin?next=' + encodeURIComponent(location.pathname + location.search + location.hash));
}

/** Runs an action; its failure goes to the alert area in words, unless the person has moved on since. */
async function attempt(action, generation = state.generation) {
  try {
    return await action();
  } catch (error) {
    if (!state.leaving && generation === state.generation) showError(error instanceof ApiError ? error.message : 'Something went wrong on this page; reload it and try again.');
    if (!(error instanceof ApiError)) console.error(error);
    return undefined;
  }
}

/* ---------- Words for values ---------- */

const numberFormat = new Intl.NumberFormat();
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
// A yyyy-mm-dd is a calendar day: read and written in UTC so no time zone moves it a day.
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

const plural = (n, one, many) => `${numberFormat.format(n)} ${n === 1 ? one : many}`;
const day = (ymd) => (/^\d{4}-\d{2}-\d{2}$/.test(ymd || '') ? dayFormat.format(new Date(ymd + 'T00:00:00Z')) : null);
const batchName = (b) => b.name || b.id;

function datesOf(b) {
  const start = day(b.startDate);
  const end = day(b.endDate);
  if (start && end) return `${start} to ${end}`;
  if (start) return `from ${start}, no end date`;
  if (end) return `until ${end}`;
  return 'no dates set';
}

function statusWords(job) {
  switch (job.status) {
    case 'SUBMITTED': return job.statusMessage ? `Waiting to be tried again: ${job.statusMessage}` : 'Waiting to be built';
    case 'PROCESSING': return 'Being built';
    case 'SUCCESS': return 'Ready to download';
    case 'FAILED': return job.statusMessage ? `Failed: ${job.statusMessage}` : 'Failed';
    default: return `Status: ${String(job.status).toLowerCase()}`;
  }
}

function progressWords(p) {
  if (!p) return null;
  const parts = [];
  if (typeof p.rows === 'number') parts.push(`${plural(p.rows, 'row', 'rows')} written`);
  if (typeof p.batchesTotal === 'number' && p.batchesTotal > 0) parts.push(`${numberFormat.format(p.batchesDone || 0)} of ${plural(p.batchesTotal, 'batch', 'batches')} done`);
  return parts.length ? parts.join(', ') : null;
}

/** The file a signed link points at (batch-001_progress_20240115.zip), for a button's label. */
function fileNameOf(url, index) {
  try {
    const last = new URL(url, location.href).pathname.split('/').pop();
    return decodeURIComponent(last) || `file ${index + 1}`;
  } catch {
    return `file ${index + 1}`;
  }
}

/* ---------- Passphrase ---------- */

/** 24 base32 characters from crypto.getRandomValues: 120 bits, grouped by four to be read back. */
function newPassphrase() {
  // 256 is a multiple of 32, so keeping the low five bits of each byte leaves no bias.
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const chars = Array.from(bytes, (b) => BASE32[b & 31]).join('');
  return chars.match(/.{4}/g).join('-');
}

async function copyPassphrase() {
  const input = $('passphrase');
  try {
    await navigator.clipboard.writeText(input.value);
    announce($('reports-status'), 'Passphrase copied.');
  } catch {
    // No clipboard API (plain http, or permission refused): select it for the person to copy.
    input.focus();
    input.select();
    announce($('reports-status'), 'The passphrase is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
  }
}

/* ---------- Session and header ---------- */

async function loadSession() {
  const session = await api('GET', '/session');
  state.session = session;
  $('csrf').value = session.csrfToken;
  $('user-id').textContent = session.userId;
  const roles = (session.roles || []).map((r) => r.toLowerCase().replace(/_/g, ' '));
  $('user-roles').textContent = roles.length ? `(${roles.join(', ')})` : '';
  const org = session.org || {};
  $('user-org').textContent = org.slug || org.channel || org.id || 'unknown';
  $('who').hidden = false;
}

/* ---------- Routing: #/ the batch list, #/batches/<id> one batch ---------- */

function route(moveFocus) {
  state.generation += 1;
  stopPolling();
  clearError();
  const match = /^#\/batches\/([^/?#]+)$/.exec(location.hash);
  let batchId = null;
  try { batchId = match ? decodeURIComponent(match[1]) : null; } catch { /* a broken link: the list */ }
  if (batchId) showBatch(batchId);
  else showList();
  if (moveFocus) (batchId ? $('batch-heading') : $('list-heading')).focus();
}

/* ---------- Batch list ---------- */

let searchTimer = 0;

function showList() {
  $('view-batch').hidden = true;
  $('view-list').hidden = false;
  $('passphrase').value = ''; // not kept once the person leaves the batch
  state.batch = null;
  document.title = 'Batches — data-exhaust reports';
  loadBatches();
}

async function loadBatches() {
  const q = $('search').value.trim();
  const generation = state.generation;
  const status = $('list-status');
  if (!$('batch-list').hasChildNodes()) status.textContent = 'Loading batches…';
  const result = await attempt(() => api('GET', '/batches' + (q ? `?q=${encodeURIComponent(q)}` : '')));
  // A later keystroke or a navigation has asked again: this answer is stale.
  if (!result || generation !== state.generation || q !== $('search').value.trim()) {
    if (!result && generation === state.generation) status.textContent = '';
    return;
  }
  const batches = result.batches || [];
  for (const b of batches) state.batches.set(b.id, b);
  renderBatches(batches);
  if (batches.length === 0) announce(status, q ? `No batch matches “${q}”.` : 'You have no batches to request reports about.');
  else announce(status, `${plural(batches.length, 'batch', 'batches')} ${q ? `match “${q}”` : 'to choose from'}.`);
}

/** Batches grouped by course (collection), in the server's order. */
function renderBatches(batches) {
  const groups = new Map();
  for (const b of batches) {
    if (!groups.has(b.collectionId)) groups.set(b.collectionId, { title: b.collectionName || b.collectionId, batches: [] });
    groups.get(b.collectionId).batches.push(b);
  }
  const sections = [...groups.values()].map((group) =>
    el('section', { class: 'group' },
      el('h2', {}, group.title),
      el('ul', { class: 'batches' }, group.batches.map((b) => {
        const metaId = `batch-meta-${b.id}`;
        return el('li', {},
          el('a', { href: `#/batches/${encodeURIComponent(b.id)}`, 'data-testid': `batch-${b.id}`, 'aria-describedby': metaId }, batchName(b)),
          el('p', { id: metaId, class: 'meta' }, `${plural(b.learners || 0, 'learner', 'learners')}; ${datesOf(b)}`));
      }))));
  $('batch-list').replaceChildren(...sections);
}

function onSearchInput() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(loadBatches, SEARCH_DELAY_MS);
}

/* ---------- One batch ---------- */

async function showBatch(batchId) {
  $('view-list').hidden = true;
  $('view-batch').hidden = false;
  const generation = state.generation;
  // A fresh passphrase for every batch visit: nothing of an earlier one is kept.
  $('passphrase').value = newPassphrase();
  state.batch = { id: batchId, reports: new Map(), jobs: [], statuses: new Map(), submitting: new Set(), pollTimer: 0 };
  for (const id of ['batch-facts', 'reports-status', 'requests-status']) $(id).textContent = '';
  $('report-list').replaceChildren();
  $('request-list').replaceChildren();
  renderBatchHeading(batchId);
  $('reports-status').textContent = 'Loading reports…';

  // Opened from a bookmark: the batch's name comes from the list, asked once.
  if (!state.batches.has(batchId)) {
    const result = await attempt(() => api('GET', '/batches'));
    if (generation !== state.generation) return;
    for (const b of (result && result.batches) || []) state.batches.set(b.id, b);
    renderBatchHeading(batchId);
  }
  const path = `/batches/${encodeURIComponent(batchId)}`;
  const [reports, requests] = await Promise.all([attempt(() => api('GET', `${path}/reports`)), attempt(() => api('GET', `${path}/requests`))]);
  if (generation !== state.generation) return;
  $('reports-status').textContent = '';
  if (reports) renderReports(reports.reports || []);
  if (requests) updateRequests(requests.requests || [], false);
}

function renderBatchHeading(batchId) {
  const b = state.batches.get(batchId);
  const name = b ? batchName(b) : batchId;
  $('batch-heading').textContent = name;
  document.title = `${name} — data-exhaust reports`;
  $('batch-facts').textContent = b
    ? `Course: ${b.collectionName || b.collectionId}. ${plural(b.learners || 0, 'learner', 'learners')}; ${datesOf(b)}.`
    : '';
}

function renderReports(reports) {
  const batch = state.batch;
  for (const r of reports) batch.reports.set(r.dataset, r);
  if (reports.length === 0) {
    $('reports-status').textContent = 'You may not request any report about this batch.';
    return;
  }
  $('report-list').replaceChildren(...reports.map((r) =>
    el('li', { class: 'card' },
      el('h3', {}, r.title || r.dataset),
      el('dl', {},
        el('dt', {}, 'Contains'), el('dd', {}, r.holds || '—'),
        el('dt', {}, 'Refused when'), el('dd', {}, r.refusedWhen || '—')),
      el('button', { type: 'button', class: 'button-primary', 'data-testid': `submit-${r.dataset}`, onclick: (e) => submit(r.dataset, e.currentTarget) },
        `Request ${r.title || r.dataset}`))));
}

const titleOf = (dataset) => {
  const report = state.batch && state.batch.reports.get(dataset);
  return (report && report.title) || dataset;
};

/** Submits (or resubmits) a report with the passphrase shown; the button stays disabled meanwhile. */
async function submit(dataset, button) {
  const batch = state.batch;
  const passphrase = $('passphrase').value;
  // The flag, not only `disabled`, stops a double click: both clicks can be queued before the first runs.
  if (!batch || batch.submitting.has(dataset)) return;
  if (passphrase.trim().length < 12) {
    showError('The passphrase must have at least 12 characters; use “New passphrase” for a strong one.');
    $('passphrase').focus();
    return;
  }
  clearError();
  batch.submitting.add(dataset);
  button.disabled = true;
  const askedAt = Date.now();
  const job = await attempt(() => api('POST', `/batches/${encodeURIComponent(batch.id)}/requests`, { dataset, encryptionKey: passphrase }));
  batch.submitting.delete(dataset);
  button.disabled = false;
  // Disabling a focused button drops its focus in some browsers: give it back.
  if (document.activeElement === document.body && button.isConnected) button.focus();
  if (!job || batch !== state.batch) return;
  // The same report asked again the same day is answered with the existing request, locked with the
  // passphrase given then; only a FAILED one starts afresh with this one. A new request is SUBMITTED;
  // when the list could not be read, an old submit time (a minute, for clock skew) tells it apart.
  const before = batch.jobs.find((j) => j.requestId === job.requestId);
  const submittedAt = job.jobStats && job.jobStats.dtJobSubmitted;
  const existing = before ? before.status !== 'FAILED' : job.status !== 'SUBMITTED' || (submittedAt && submittedAt < askedAt - 60000);
  if (existing) {
    announce($('reports-status'), `${titleOf(dataset)} was already requested${submittedAt ? ` on ${timeFormat.format(submittedAt)}` : ' today'}: its zip opens with the passphrase given then, not the one shown now.`);
  } else {
    announce($('reports-status'), `${titleOf(dataset)} requested. It is listed under “Requests for this batch”; keep the passphrase to open it.`);
  }
  const others = batch.jobs.filter((j) => j.requestId !== job.requestId);
  updateRequests([job, ...others], false);
}

/* ---------- Requests of the batch, refreshed while any is being built ---------- */

/**
 * Shows the requests, newest first. A row is rebuilt only when what it shows changed, so a poll
 * every 2 s neither moves the focus nor the screen reader's place; status changes are announced.
 */
function updateRequests(jobs, announceChanges) {
  const batch = state.batch;
  jobs.sort((a, b) => ((b.jobStats && b.jobStats.dtJobSubmitted) || 0) - ((a.jobStats && a.jobStats.dtJobSubmitted) || 0));
  batch.jobs = jobs;
  const list = $('request-list');
  const old = new Map([...list.children].map((li) => [li.dataset.requestId, li]));
  const focused = document.activeElement;
  const focusedTestId = focused && list.contains(focused) ? focused.getAttribute('data-testid') : null;
  const changes = [];
  const rows = jobs.map((job) => {
    const signature = JSON.stringify([job.status, job.statusMessage, job.progress, job.jobStats, titleOf(job.dataset)]);
    const previous = old.get(job.requestId);
    if (previous && previous.dataset.signature === signature) return previous;
    if (announceChanges && batch.statuses.get(job.requestId) !== job.status) changes.push(`${titleOf(job.dataset)}: ${statusWords(job)}.`);
    batch.statuses.set(job.requestId, job.status);
    const row = requestRow(job);
    row.dataset.signature = signature;
    return row;
  });
  list.replaceChildren(...rows);
  $('requests-status').textContent = jobs.length ? '' : 'No report has been requested for this batch yet.';
  if (changes.length) announce($('requests-status'), changes.join(' '));
  // The focused button's row was rebuilt: focus its new button, or the row when the button is gone.
  if (focusedTestId && !list.contains(document.activeElement)) {
    const oldRow = focused.closest('li.request');
    const again = list.querySelector(`[data-testid="${CSS.escape(focusedTestId)}"]`) || (oldRow && list.querySelector(`[data-request-id="${CSS.escape(oldRow.dataset.requestId)}"]`));
    if (again) again.focus();
  }
  schedulePoll();
}

function requestRow(job) {
  const title = titleOf(job.dataset);
  const stats = job.jobStats || {};
  const progress = progressWords(job.progress);
  const row = el('li', { class: 'request', tabindex: '-1', 'data-testid': `request-${job.requestId}`, 'data-status': job.status, 'data-request-id': job.requestId },
    el('h3', {}, title),
    el('dl', {},
      el('dt', {}, 'Asked'), el('dd', {}, stats.dtJobSubmitted ? el('time', { datetime: new Date(stats.dtJobSubmitted).toISOString() }, timeFormat.format(stats.dtJobSubmitted)) : '—'),
      stats.dtJobCompleted ? [el('dt', {}, 'Finished'), el('dd', {}, el('time', { datetime: new Date(stats.dtJobCompleted).toISOString() }, timeFormat.format(stats.dtJobCompleted)))] : null,
      el('dt', {}, 'Status'), el('dd', {}, el('span', { class: 'status-words' }, statusWords(job))),
      progress ? [el('dt', {}, 'Progress'), el('dd', {}, progress)] : null));
  const actions = el('div', { class: 'actions' });
  const asked = stats.dtJobSubmitted ? `, asked ${timeFormat.format(stats.dtJobSubmitted)}` : '';
  if (job.status === 'SUCCESS') {
    actions.append(el('button', { type: 'button', class: 'button-primary', 'data-testid': `download-${job.requestId}`, onclick: (e) => download(job, e.currentTarget, null) },
      'Download', srOnly(` ${title}${asked}`)));
  } else if (job.status === 'FAILED') {
    actions.append(el('button', { type: 'button', 'data-testid': `resubmit-${job.requestId}`, onclick: (e) => submit(job.dataset, e.currentTarget) },
      'Resubmit', srOnly(` ${title}${asked}`)),
    el('p', { class: 'hint' }, 'Resubmitting locks the new zip with the passphrase shown above.'));
  }
  if (actions.hasChildNodes()) row.append(actions);
  return row;
}

/**
 * Signs download links now (an older one may have expired while the page stayed open) and goes to
 * the file. A report of several batches has one file each: the first click lists them, and each
 * file's own button asks for fresh links again.
 */
async function download(job, button, fileName) {
  const batch = state.batch;
  button.disabled = true;
  const result = await attempt(() => api('POST', `/batches/${encodeURIComponent(batch.id)}/requests/${encodeURIComponent(job.requestId)}/links`, {}));
  button.disabled = false;
  if (document.activeElement === document.body && button.isConnected) button.focus();
  if (!result) return;
  const urls = (result.urls || []).filter(isWebUrl);
  if (urls.length === 0) {
    showError('This report has no file to download; request it again.');
    return;
  }
  if (fileName !== null) {
    const url = urls.find((u, i) => fileNameOf(u, i) === fileName);
    if (url) location.assign(url);
    else showError(`The file ${fileName} is no longer part of this report; reload the page.`);
    return;
  }
  if (urls.length === 1) {
    location.assign(urls[0]);
    return;
  }
  const row = button.closest('li');
  const names = urls.map(fileNameOf);
  const files = el('ul', { class: 'files' }, names.map((name, i) =>
    el('li', {}, el('button', { type: 'button', 'data-testid': `download-${job.requestId}-${i + 1}`, onclick: (e) => download(job, e.currentTarget, name) }, `Download ${name}`))));
  const existing = row.querySelector('.files');
  if (existing) existing.replaceWith(files);
  else row.querySelector('.actions').append(files);
  announce($('requests-status'), `${titleOf(job.dataset)} has ${names.length} files, one per batch; choose one.`);
  files.querySelector('button').focus();
}

/** Only http(s) links are followed: a link is never run as script. */
function isWebUrl(url) {
  try {
    return ['http:', 'https:'].includes(new URL(url, location.href).protocol);
  } catch {
    return false;
  }
}

function schedulePoll() {
  const batch = state.batch;
  if (!batch || batch.pollTimer || !batch.jobs.some((j) => ACTIVE.has(j.status))) return;
  batch.pollTimer = setTimeout(() => poll(batch), POLL_MS);
}

async function poll(batch) {
  batch.pollTimer = 0;
  if (batch !== state.batch) return;
  // A hidden tab does not poll; it catches up when shown again (see visibilitychange below).
  if (document.hidden) return;
  let result = null;
  batch.polling = true;
  try {
    result = await api('GET', `/batches/${encodeURIComponent(batch.id)}/requests`);
  } catch (error) {
    batch.polling = false;
    if (batch !== state.batch || state.leaving) return;
    showError(error.message);
    batch.pollError = error.message;
    batch.pollTimer = setTimeout(() => poll(batch), POLL_RETRY_MS);
    return;
  }
  batch.polling = false;
  if (batch !== state.batch) return;
  // The service answers again: take back only the error this polling put up.
  if (batch.pollError && $('alert').textContent === batch.pollError) clearError();
  batch.pollError = null;
  updateRequests(result.requests || [], true);
}

function stopPolling() {
  if (state.batch && state.batch.pollTimer) clearTimeout(state.batch.pollTimer);
  if (state.batch) state.batch.pollTimer = 0;
}

/* ---------- Start ---------- */

async function start() {
  $('search').addEventListener('input', onSearchInput);
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(searchTimer);
    loadBatches();
  });
  $('copy-passphrase').addEventListener('click', copyPassphrase);
  $('new-passphrase').addEventListener('click', () => {
    $('passphrase').value = newPassphrase();
    announce($('reports-status'), 'New passphrase made: reports you request from now on use it.');
  });
  window.addEventListener('hashchange', () => route(true));
  document.addEventListener('visibilitychange', () => {
    const batch = state.batch;
    if (!document.hidden && batch && !batch.pollTimer && !batch.polling && batch.jobs.some((j) => ACTIVE.has(j.status))) poll(batch);
  });
  await attempt(loadSession);
  if (!state.session) return; // the alert says why; nothing else can work without a session
  route(false);
}

start();
