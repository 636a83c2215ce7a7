// The runs page: every run of the store, newest first, its progress, counts by outcome, pace and ETA.
import { api, count, duration, el, errorNote, every, OUTCOMES, progressBar, rateText, when } from './ui.js';

const COUNT_COLUMNS = OUTCOMES.map(([key, name]) => ({ key, name }));

function row(run) {
  const progress = progressBar(run, `Progress of run ${run.run}`);
  const cells = {
    state: el('td', { 'data-field': 'state', text: run.state }),
    rate: el('td', { 'data-field': 'rate', text: rateText(run) }),
    eta: el('td', { 'data-field': 'eta', text: duration(run.etaSeconds) }),
  };
  const counts = Object.fromEntries(COUNT_COLUMNS.map(({ key }) => [key, el('td', { class: 'num', 'data-field': key, text: count(run[key]) })]));
  const node = el(
    'tr',
    { 'data-run': run.run },
    el('th', { scope: 'row' }, el('a', { href: `/runs/${encodeURIComponent(run.run)}`, text: run.run })),
    el('td', { text: run.operation }),
    el('td', { text: run.pluginAppid ?? '—' }),
    el('td', { text: when(run.created) }),
    cells.state,
    el('td', {}, progress.node),
    COUNT_COLUMNS.map(({ key }) => counts[key]),
    cells.rate,
    cells.eta,
  );
  return {
    node,
    update(next) {
      progress.update(next);
      cells.state.textContent = next.state;
      cells.rate.textContent = rateText(next);
      cells.eta.textContent = duration(next.etaSeconds);
      for (const { key } of COUNT_COLUMNS) counts[key].textContent = count(next[key]);
    },
  };
}

export function renderRuns(main) {
  document.title = 'Runs · wxplugin dashboard';
  const status = el('p', { class: 'note', role: 'status' });
  const body = el('tbody');
  const table = el(
    'table',
    { class: 'runs' },
    el('caption', { text: 'Every run of the store, newest first; the page follows them as they move.' }),
    el('thead', {}, el('tr', {}, ['Run', 'Operation', 'Plugin', 'Created', 'State', 'Progress', ...COUNT_COLUMNS.map(({ name }) => name), 'Rate', 'ETA'].map((name) => el('th', { scope: 'col', text: name })))),
    body,
  );
  main.replaceChildren(el('h1', { text: 'Runs' }), status, el('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Runs table' }, table));
  const rows = new Map();
  every(2000, async () => {
    const answer = await api('/api/runs');
    if (!answer.ok) {
      status.replaceChildren(errorNote(answer.body.errMsg));
      return answer.status !== 401;
    }
    status.textContent = answer.body.runs.length ? `${answer.body.runs.length} run(s)` : 'No run yet: start one with `wxplugin batch`.';
    const seen = new Set();
    answer.body.runs.forEach((run, index) => {
      seen.add(run.run);
      let entry = rows.get(run.run);
      if (!entry) {
        entry = row(run);
        rows.set(run.run, entry);
      } else entry.update(run);
      // Newest first: a new run goes on top; rows kept in place keep the keyboard focus.
      if (body.children[index] !== entry.node) body.insertBefore(entry.node, body.children[index] ?? null);
    });
    for (const [id, entry] of rows) if (!seen.has(id)) {
      entry.node.remove();
      rows.delete(id);
    }
    return true;
  });
}
