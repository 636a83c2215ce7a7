// Small helpers shared by the pages: building elements (text only, never HTML from data), the API,
// and how numbers, times and outcomes read.

/** An element with attributes, listeners (onclick, ...) and children; data goes in as text. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** One API call; the answer's status and JSON body (or a body saying what went wrong). */
export async function api(path, { method = 'GET', body } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { status: 0, ok: false, body: { errMsg: 'the dashboard did not answer: is `wxplugin dashboard` still running?' } };
  }
  let json;
  try {
    json = await response.json();
  } catch {
    json = { errMsg: `HTTP ${response.status}` };
  }
  if (response.status === 401) json = { ...json, errMsg: 'not signed in: open the address `wxplugin dashboard` printed (it is new at every start)' };
  return { status: response.status, ok: response.ok, body: json };
}

export const OUTCOMES = [
  ['succeeded', 'Succeeded'],
  ['alreadyDone', 'Already so'],
  ['notAuthorised', 'Not authorised'],
  ['deferred', 'Deferred'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
  ['pending', 'Pending'],
];
export const outcomeName = (outcome) => OUTCOMES.find(([key]) => key === outcome)?.[1] ?? outcome;

const number = new Intl.NumberFormat();
export const count = (value) => number.format(value ?? 0);

export function when(iso) {
  return iso ? new Date(iso).toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export const rateText = (run) => `${run.throughput === null ? '—' : `${run.throughput}/s`} (at most ${run.rate}/s)`;

/** A run's progress: finished or deferred of all, as a native progress bar with its own name. */
export function progressBar(run, label) {
  const done = run.total - run.pending;
  const bar = el('progress', { max: Math.max(run.total, 1), value: done, 'aria-label': label });
  const text = el('span', { class: 'progress-text', text: `${count(done)} / ${count(run.total)}` });
  return { node: el('span', { class: 'progress' }, bar, text), update(next) {
    bar.max = Math.max(next.total, 1);
    bar.value = next.total - next.pending;
    text.textContent = `${count(next.total - next.pending)} / ${count(next.total)}`;
  } };
}

/** Calls `tick` now and then every `everyMs` (slower while the tab is hidden) until it answers false. */
export function every(everyMs, tick) {
  let stopped = false;
  const loop = async () => {
    if (stopped) return;
    const more = await tick().catch(() => true);
    if (more === false) return;
    setTimeout(loop, document.hidden ? everyMs * 5 : everyMs);
  };
  loop();
  return () => (stopped = true);
}

export function errorNote(message) {
  return el('p', { class: 'error', role: 'alert', text: message });
}
