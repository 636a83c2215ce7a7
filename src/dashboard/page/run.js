// One run: its progress as it moves, its outcomes by code with what each means and what to do, the
// actions (retry, cancel, resume with a rate), and the authorisers that did not succeed.
import { api, count, duration, el, errorNote, every, OUTCOMES, outcomeName, progressBar, rateText, when } from './ui.js';

const PAGE = 100;
const FINAL_STATES = ['finished', 'cancelled'];

export function renderRun(main, runId) {
  document.title = `Run ${runId} · wxplugin dashboard`;
  const base = `/api/runs/${encodeURIComponent(runId)}`;
  let run;
  let progress;

  // --- summary
  const heading = el('h1', {}, 'Run ', el('code', { text: runId }));
  const facts = el('dl', { class: 'facts' });
  const countsList = el('ul', { class: 'counts', 'aria-label': 'Counts by outcome' });
  const progressSlot = el('div', { class: 'progress-slot' });
  const loadNote = el('div', { role: 'status', class: 'note' });

  function fact(name, value) {
    return [el('dt', { text: name }), el('dd', { text: value })];
  }

  function showSummary() {
    facts.replaceChildren(
      ...fact('Operation', run.operation),
      ...fact('Plugin', run.pluginAppid ?? '—'),
      ...fact('Created', when(run.created)),
      ...fact('State', `${run.state ?? '—'}${run.driving ? ' (driven by this dashboard)' : ''}`),
      ...fact('Rate', rateText(run)),
      ...fact('ETA', duration(run.etaSeconds)),
      ...(run.deferredUntil ? fact('Deferred until', when(run.deferredUntil)) : []),
    );
    countsList.replaceChildren(...OUTCOMES.map(([key, name]) => el('li', { 'data-outcome': key }, el('span', { class: 'count', text: count(run[key]) }), ` ${name}`)));
    if (!progress) {
      progress = progressBar(run, `Progress of run ${runId}`);
      progressSlot.replaceChildren(progress.node);
    } else progress.update(run);
  }

  // --- outcomes by code
  const codesBody = el('tbody');
  const selected = new Set();
  let codeKeys = '';

  function showCodes() {
    const keys = run.byCode.map((entry) => `${entry.outcome}:${entry.code}`).join(',');
    if (keys === codeKeys) {
      // Same rows: only the counts change, so focus and ticks stay where they are.
      run.byCode.forEach((entry, index) => (codesBody.children[index].querySelector('[data-field=count]').textContent = count(entry.count)));
      return;
    }
    codeKeys = keys;
    codesBody.replaceChildren(
      ...run.byCode.map((entry) => {
        const retryable = !['succeeded', 'alreadyDone', 'pending'].includes(entry.outcome) && entry.code !== null;
        const label = `${outcomeName(entry.outcome)} ${entry.code ?? 'without a code'}`;
        return el(
          'tr',
          { 'data-code': entry.code ?? '', 'data-outcome': entry.outcome },
          el('td', { text: outcomeName(entry.outcome) }),
          el('th', { scope: 'row' }, el('code', { text: entry.code ?? '—' })),
          el('td', { class: 'num', 'data-field': 'count', text: count(entry.count) }),
          el('td', { text: entry.meaning }),
          el('td', { text: entry.todo }),
          el(
            'td',
            {},
            retryable
              ? el('input', {
                  type: 'checkbox',
                  'aria-label': `Select code ${entry.code} for retry`,
                  checked: selected.has(entry.code),
                  onchange: (event) => {
                    if (event.target.checked) selected.add(entry.code);
                    else selected.delete(entry.code);
                    retryChosen.disabled = selected.size === 0;
                  },
                })
              : '',
            ' ',
            entry.code !== null && entry.code !== 0 && !['succeeded', 'alreadyDone'].includes(entry.outcome)
              ? el('button', { type: 'button', class: 'link', 'aria-label': `Show the authorisers with ${label}`, onclick: () => filterTo(entry.code), text: 'Show' })
              : '',
          ),
        );
      }),
    );
    // The code filter offers the codes the run has among those that did not succeed.
    const current = codeSelect.value;
    const codes = [...new Set(run.byCode.filter((entry) => entry.code !== null && !['succeeded', 'alreadyDone'].includes(entry.outcome)).map((entry) => entry.code))];
    codeSelect.replaceChildren(el('option', { value: '', text: 'Every code' }), ...codes.map((code) => el('option', { value: String(code), text: String(code) })));
    codeSelect.value = codes.map(String).includes(current) ? current : '';
  }

  // --- actions
  const actionStatus = el('div', { class: 'note', role: 'status', 'aria-live': 'polite' });
  const retryAll = el('button', { type: 'button', text: 'Retry every authoriser that did not succeed', onclick: () => act('retry', {}) });
  const retryChosen = el('button', { type: 'button', text: 'Retry the selected codes', disabled: true, onclick: () => act('retry', { codes: [...selected] }) });
  const cancel = el('button', { type: 'button', text: 'Cancel what is pending', onclick: () => act('cancel') });
  const rateInput = el('input', { id: 'resume-rate', type: 'number', min: '0.1', step: 'any', inputmode: 'decimal', required: true });
  const resumeForm = el(
    'form',
    { class: 'inline', 'aria-label': 'Resume with a rate', onsubmit: (event) => {
      event.preventDefault();
      act('resume', { rate: Number(rateInput.value) });
    } },
    el('label', { for: 'resume-rate', text: 'Rate, calls per second' }),
    rateInput,
    el('button', { type: 'submit', text: 'Resume' }),
  );

  async function act(action, body) {
    for (const button of [retryAll, retryChosen, cancel]) button.setAttribute('aria-busy', 'true');
    actionStatus.textContent = `${action}: asking…`;
    const answer = await api(`${base}/${action}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
    for (const button of [retryAll, retryChosen, cancel]) button.removeAttribute('aria-busy');
    if (!answer.ok) actionStatus.replaceChildren(errorNote(`${action} refused: ${answer.body.errMsg}`));
    else if (action === 'cancel') actionStatus.textContent = `Cancelled ${count(answer.body.cancelled)} pending authoriser(s).`;
    else actionStatus.textContent = `${action === 'retry' ? 'Retry' : 'Resume'} under way: the authorisers are back in the queue.`;
    await refresh();
    await loadItems(false);
  }

  // --- authorisers that did not succeed
  const search = el('input', { id: 'item-search', type: 'search', placeholder: 'wx…', autocomplete: 'off', spellcheck: 'false' });
  const codeSelect = el('select', { id: 'item-code' });
  const csv = el('a', { class: 'button', download: '', text: 'Export as CSV' });
  const itemsBody = el('tbody');
  const itemsNote = el('p', { class: 'note', role: 'status' });
  const more = el('button', { type: 'button', text: 'Load more', hidden: true, onclick: () => loadItems(true) });
  let next;
  let typing;

  function filterTo(code) {
    codeSelect.value = String(code);
    loadItems(false);
    codeSelect.focus();
  }

  function itemQuery() {
    const params = new URLSearchParams({ unsuccessful: '1', order: 'newest' });
    if (search.value.trim()) params.set('search', search.value.trim());
    if (codeSelect.value) params.set('code', codeSelect.value);
    return params;
  }

  async function loadItems(append) {
    const params = itemQuery();
    csv.href = `${base}/items.csv?${params}`;
    params.set('pageSize', String(PAGE));
    if (append && next) params.set('cursor', next);
    const answer = await api(`${base}/items?${params}`);
    if (!answer.ok) {
      itemsNote.replaceChildren(errorNote(answer.body.errMsg));
      return;
    }
    const rows = answer.body.items.map((item) =>
      el(
        'tr',
        { 'data-authorizer': item.authorizer },
        el('th', { scope: 'row' }, el('code', { text: item.authorizer })),
        el('td', { text: outcomeName(item.outcome) }),
        el('td', {}, el('code', { text: item.errCode ?? '—' })),
        el('td', { text: item.errMsg ?? 'not called yet' }),
        el('td', { class: 'num', text: item.tries }),
      ),
    );
    if (append) itemsBody.append(...rows);
    else itemsBody.replaceChildren(...rows);
    next = answer.body.next;
    more.hidden = !next;
    itemsNote.textContent = itemsBody.children.length ? `${count(itemsBody.children.length)} shown${next ? ', more below' : ''}` : 'None match.';
  }

  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => loadItems(false), 250);
  });
  codeSelect.addEventListener('change', () => loadItems(false));

  main.replaceChildren(
    el('p', { class: 'crumb' }, el('a', { href: '/', text: '← Every run' })),
    heading,
    loadNote,
    el('section', { 'aria-labelledby': 'progress-heading' }, el('h2', { id: 'progress-heading', text: 'Progress' }), progressSlot, countsList, facts),
    el(
      'section',
      { 'aria-labelledby': 'actions-heading' },
      el('h2', { id: 'actions-heading', text: 'Actions' }),
      el('p', { class: 'note', text: 'The same as `wxplugin batch retry`, `cancel` and `resume --rate`: a success is never repeated.' }),
      el('div', { class: 'actions' }, retryAll, retryChosen, cancel),
      resumeForm,
      actionStatus,
    ),
    el(
      'section',
      { 'aria-labelledby': 'codes-heading' },
      el('h2', { id: 'codes-heading', text: 'Outcomes by code' }),
      el('div', { class: 'scroll' }, el('table', { class: 'codes' }, el('thead', {}, el('tr', {}, ['Outcome', 'Code', 'Authorisers', 'What it means', 'What to do', 'Select'].map((name) => el('th', { scope: 'col', text: name })))), codesBody)),
    ),
    el(
      'section',
      { 'aria-labelledby': 'items-heading' },
      el('h2', { id: 'items-heading', text: 'Authorisers that did not succeed, newest first' }),
      el(
        'form',
        { class: 'inline', role: 'search', 'aria-label': 'Filter the authorisers', onsubmit: (event) => {
          event.preventDefault();
          loadItems(false);
        } },
        el('label', { for: 'item-search', text: 'Search appid' }),
        search,
        el('label', { for: 'item-code', text: 'Code' }),
        codeSelect,
        csv,
      ),
      itemsNote,
      el('div', { class: 'scroll' }, el('table', { class: 'items' }, el('thead', {}, el('tr', {}, ['Authoriser', 'Outcome', 'Code', 'Message', 'Tries'].map((name) => el('th', { scope: 'col', text: name })))), itemsBody)),
      more,
    ),
  );

  async function refresh() {
    const answer = await api(base);
    if (!answer.ok) {
      loadNote.replaceChildren(errorNote(answer.body.errMsg));
      return answer.status !== 401 && answer.status !== 404;
    }
    loadNote.textContent = '';
    const before = run;
    run = answer.body;
    showSummary();
    showCodes();
    if (!rateInput.value) rateInput.value = String(run.rate);
    // The list follows the run while nobody has paged further down it.
    if (before && !next && before.total - before.pending !== run.total - run.pending) loadItems(false);
    return true;
  }

  codeSelect.replaceChildren(el('option', { value: '', text: 'Every code' }));
  loadItems(false);
  // Each second while it moves, every five once it has ended.
  let quiet = 0;
  every(1000, async () => {
    if (run && FINAL_STATES.includes(run.state) && !run.driving && quiet++ % 5 !== 0) return true;
    return refresh();
  });
}
