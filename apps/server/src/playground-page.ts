/** The playground at `/`: pick a database, ask a question, watch the SQL stream in, see the rows. */
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
</style>
</head>
<body>
<h1>Aquila-TS text-to-SQL playground</h1>
<form id="ask-form">
  <select id="database" aria-label="database"></select>
  <textarea id="question" aria-label="question" placeholder="Ask a question about the database" required></textarea>
  <button id="ask" type="submit">Ask</button>
</form>
<p><label>API key (if the server has one) <input id="api-key" type="password" autocomplete="off"></label></p>
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
function handle(type, data, state) {
  if (type === 'prompt') $('prompt').textContent = data.prompt;
  else if (type === 'text-delta') $('output').textContent += data.text;
  else if (type === 'sql') {
    $('sql').textContent = data.sql || '(no SQL found in the output)';
    state.check = data.extracted ? (data.parses ? 'parses' : 'does not parse: ' + data.parseError) : 'no SQL extracted';
  } else if (type === 'result') state.rows = renderTable(data.columns, data.rows, data.truncated) + ' in ' + data.elapsedMs.toFixed(1) + ' ms';
  else if (type === 'error') state.error = data.message;
  else if (type === 'end') state.end = data.finishReason + ', ' + data.usage.completionTokens + ' tokens';
}
$('ask-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  for (const id of ['output', 'sql', 'prompt']) $(id).textContent = '';
  $('result').replaceChildren();
  setStatus('generating…');
  $('ask').disabled = true;
  const state = {};
  try {
    const response = await fetch('/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers() },
      body: JSON.stringify({ database: $('database').value, question: $('question').value, stream: true }),
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
