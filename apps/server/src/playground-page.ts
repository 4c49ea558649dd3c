/**
 * The playground at `/`: pick a database, ask a question, watch the SQL stream in, see the rows. With samples, the
 * candidates stream side by side, then the vote shows them grouped by result with the chosen one marked; repair
 * rounds show as they run.
 */
export const playgroundPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aquila-TS playground</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 960px; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.3rem; }
  form { display: grid; gap: .6rem; grid-template-columns: 12rem 1fr auto; align-items: start; }
  select, textarea, input, button { font: inherit; padding: .4rem .5rem; }
  textarea { min-height: 3.2rem; resize: vertical; }
  button { cursor: pointer; }
  pre, code { font-family: ui-monospace, monospace; }
  pre { background: #f3f5f8; padding: .7rem; white-space: pre-wrap; min-height: 1.5rem; }
  #status { color: #555; } #status.error { color: #b00020; }
  table { border-collapse: collapse; margin-top: .6rem; } th, td { border: 1px solid #ccd; padding: .25rem .5rem; text-align: left; }
  details { margin-top: 1rem; color: #555; }
  .options input { width: 4.5rem; }
  #candidates pre, #repairs pre { margin: .3rem 0; } pre[data-label]::before { content: attr(data-label) '  '; color: #888; }
  #vote tr.chosen td { background: #e7f5e9; font-weight: 600; } #vote td.failed { color: #b00020; }
</style>
</head>
<body>
<h1>Aquila-TS text-to-SQL playground</h1>
<form id="ask-form">
  <select id="database" aria-label="database"></select>
  <textarea id="question" aria-label="question" placeholder="Ask a question about the database" required></textarea>
  <button id="ask" type="submit">Ask</button>
</form>
<p class="options"><label>samples <input id="samples" type="number" min="1" max="16" value="1"></label>
  <label>repair rounds <input id="repair" type="number" min="0" max="16" value="0"></label></p>
<p><label>API key (if the server has one) <input id="api-key" type="password" autocomplete="off"></label></p>
<section id="sampling" hidden>
<h2>Candidates</h2>
<div id="candidates"></div>
<p id="vote-summary"></p>
<table id="vote"></table>
</section>
<section id="repairing" hidden>
<h2>Repair</h2>
<div id="repairs"></div>
</section>
<h2>Model output</h2>
<pre id="output"></pre>
<h2>SQL</h2>
<pre><code id="sql"></code></pre>
<p id="status"></p>
<table id="result"></table>
<details><summary>Prompt</summary><pre id="prompt"></pre></details>
<script type="module">
const $ = (id) => document.getElementById(id);
const headers = () => {
  const key = $('api-key').value.trim();
  return key ? { authorization: 'Bearer ' + key } : {};
};
function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}
async function loadDatabases() {
  const response = await fetch('/v1/databases', { headers: headers() });
  if (!response.ok) return setStatus('could not list the databases: ' + response.status, true);
  const { data } = await response.json();
  $('database').replaceChildren(...data.map((entry) => new Option(entry.name + ' (' + entry.tables.length + ' tables)', entry.name)));
  if (data.length === 0) setStatus('no database is registered: start the server with --db NAME=FILE.sqlite', true);
}
function renderTable(columns, rows, truncated) {
  const head = document.createElement('tr');
  for (const column of columns) head.append(Object.assign(document.createElement('th'), { textContent: column }));
  const body = rows.map((row) => {
    const tr = document.createElement('tr');
    for (const cell of row) tr.append(Object.assign(document.createElement('td'), { textContent: cell === null ? 'NULL' : String(cell) }));
    return tr;
  });
  $('result').replaceChildren(head, ...body);
  return rows.length + ' row' + (rows.length === 1 ? '' : 's') + (truncated ? ' (truncated)' : '');
}
const cell = (text, attributes = {}) => Object.assign(document.createElement('td'), { textContent: text, ...attributes });
// A candidate's (or a repair round's) own block, made when its first text comes.
function block(parent, key, label) {
  let pre = parent.querySelector('[data-key="' + key + '"]');
  if (!pre) {
    pre = document.createElement('pre');
    Object.assign(pre.dataset, { key, label });
    parent.append(pre);
    parent.closest('section').hidden = false;
  }
  return pre;
}
// The vote: the candidates that ran grouped by result (largest first), then those that failed; the chosen one marked.
function renderVote(vote) {
  const order = vote.groups.map((members, group) => ({ members, group })).sort((a, b) => vote.sizes[b.group] - vote.sizes[a.group] || a.group - b.group);
  const grouped = new Set(vote.groups.flat());
  const failed = vote.candidates.filter((candidate) => !grouped.has(candidate.index)).map((candidate) => candidate.index);
  const head = document.createElement('tr');
  for (const title of ['group', 'candidate', 'SQL', 'ran', 'rows']) head.append(Object.assign(document.createElement('th'), { textContent: title }));
  const rows = [...order, ...(failed.length ? [{ members: failed, group: null }] : [])].flatMap(({ members, group }) =>
    members.map((index, position) => {
      const candidate = vote.candidates[index];
      const tr = document.createElement('tr');
      tr.dataset.candidate = index;
      tr.dataset.group = group === null ? 'failed' : group + 1;
      if (index === vote.chosen) tr.className = 'chosen';
      if (position === 0) tr.append(cell(group === null ? 'failed (' + members.length + ')' : 'group ' + (group + 1) + ': ' + members.length + ' vote' + (members.length === 1 ? '' : 's') + (group === vote.winner ? ' (winner)' : ''), { rowSpan: members.length }));
      tr.append(cell('#' + index + (index === vote.chosen ? ' chosen' : '')), cell(candidate.sql || '(no SQL)'));
      tr.append(candidate.error === null ? cell('yes') : cell(candidate.error, { className: 'failed' }), cell(candidate.rows === null ? '' : String(candidate.rows)));
      return tr;
    }),
  );
  $('vote').replaceChildren(head, ...rows);
  const groups = vote.groups.length === 0 ? 'none ran' : vote.groups.length + ' group' + (vote.groups.length === 1 ? '' : 's') + ' (sizes ' + vote.sizes.join(', ') + ')';
  $('vote-summary').textContent = vote.candidates.length + ' candidates, ' + groups + ', ' + vote.equality + ' equality; chosen #' + vote.chosen + ' · generation ' + vote.timings.generationMs.toFixed(0) + ' ms, execution ' + vote.timings.executionMs.toFixed(0) + ' ms';
}
function handle(type, data, state) {
  if (type === 'prompt') $('prompt').textContent = data.prompt;
  else if (type === 'text-delta') $('output').textContent += data.text;
  else if (type === 'candidate-delta') block($('candidates'), 'candidate-' + data.index, '#' + data.index).textContent += data.text;
  else if (type === 'candidate') block($('candidates'), 'candidate-' + data.candidate.index, '#' + data.candidate.index).title = data.candidate.finishReason + ', ' + data.candidate.usage.completionTokens + ' tokens';
  else if (type === 'vote') {
    renderVote(data.vote);
    $('output').textContent = data.vote.candidates[data.vote.chosen].text;
  } else if (type === 'repair-delta') block($('repairs'), 'repair-' + data.round, 'round ' + data.round).textContent += data.text;
  else if (type === 'repair') {
    const round = data.repair;
    block($('repairs'), 'repair-' + round.round, 'round ' + round.round).after(Object.assign(document.createElement('p'), {
      className: 'repair-outcome',
      textContent: 'round ' + round.round + ': ' + (round.error === null ? 'ran, ' + round.rows + ' row' + (round.rows === 1 ? '' : 's') : 'failed: ' + round.error) + ' (sent back: ' + round.failedError + ')',
    }));
    if (round.error === null) $('output').textContent = round.text;
  } else if (type === 'sql') {
    $('sql').textContent = data.sql || '(no SQL found in the output)';
    state.check = data.extracted ? (data.parses ? 'parses' : 'does not parse: ' + data.parseError) : 'no SQL extracted';
  } else if (type === 'result') state.rows = renderTable(data.columns, data.rows, data.truncated) + ' in ' + data.elapsedMs.toFixed(1) + ' ms';
  else if (type === 'error') state.error = data.message;
  else if (type === 'end') state.end = data.finishReason + ', ' + data.usage.completionTokens + ' tokens';
}
$('ask-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  for (const id of ['output', 'sql', 'prompt', 'vote-summary']) $(id).textContent = '';
  for (const id of ['result', 'candidates', 'vote', 'repairs']) $(id).replaceChildren();
  $('sampling').hidden = $('repairing').hidden = true;
  const samples = Number($('samples').value) || 1;
  const rounds = Number($('repair').value) || 0;
  setStatus('generating…');
  $('ask').disabled = true;
  const state = {};
  try {
    const response = await fetch('/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers() },
      body: JSON.stringify({
        database: $('database').value,
        question: $('question').value,
        stream: true,
        ...(samples > 1 ? { samples } : {}),
        ...(rounds > 0 ? { repair: { rounds } } : {}),
      }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      return setStatus(response.status + ': ' + (body.error?.message ?? response.statusText), true);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let boundary;
      while ((boundary = buffer.indexOf('\\n\\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) handle(type, JSON.parse(data), state);
      }
    }
    const parts = [state.check, state.rows, state.end].filter(Boolean).join(' · ');
    setStatus(state.error ? 'error: ' + state.error + (parts ? ' · ' + parts : '') : parts, Boolean(state.error));
  } catch (error) {
    setStatus('request failed: ' + error.message, true);
  } finally {
    $('ask').disabled = false;
  }
});
$('api-key').addEventListener('change', loadDatabases);
loadDatabases();
</script>
</body>
</html>
`;
