import type { BuildReport } from '@aquila/data';
import { type EvaluationSummary, levels } from '@aquila/sql-metrics';
import { renderLossChart, type TrainingEvent } from '@aquila/train';
import type { DemoAnswer, DemoResult } from './run-demo.js';

/** Options of `renderDemoReport`. */
export interface RenderDemoReportOptions {
  result: DemoResult;
  build: BuildReport;
  /** The tiny model's training events (none when a given model was used). */
  events: readonly TrainingEvent[];
  /** Seconds per stage, in order. */
  timings: ReadonlyArray<readonly [string, number]>;
}

/** Text safe inside HTML elements. */
const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  `<table>\n<tr>${head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>\n${rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n')}\n</table>`;

const percent = (value: number): string => (Number.isFinite(value) ? `${(100 * value).toFixed(1)} %` : '–');

function scoresTable(summary: EvaluationSummary): string {
  return table(
    ['hardness', 'questions', 'exact match', 'execution'],
    levels.map((level) => [
      level,
      String(summary.count[level]),
      `${summary.matched.exact[level]} (${percent(summary.exact[level])})`,
      `${summary.matched.exec[level]} (${percent(summary.exec[level])})`,
    ]),
  );
}

function answerRows(answers: readonly DemoAnswer[]): string {
  return answers
    .map((answer) => {
      const verdict =
        answer.kind === 'training'
          ? answer.reproduced === true
            ? 'reproduced'
            : 'differs'
          : answer.verdict === undefined
            ? '–'
            : `${answer.verdict.hardness}: exact ${answer.verdict.exact ?? '–'}, exec ${answer.verdict.exec ?? '–'}`;
      return `<tr><td>${escapeHtml(answer.database)}</td><td class="question">${escapeHtml(answer.question)}</td><td><code>${escapeHtml(answer.gold)}</code></td><td><code>${escapeHtml(answer.predicted === '' ? '(no SQL)' : answer.predicted)}</code><details><summary>output</summary><pre>${escapeHtml(answer.output)}</pre></details></td><td>${escapeHtml(verdict)}</td></tr>`;
    })
    .join('\n');
}

/** The demo's one-page HTML report: data counts, the loss curve, answers and Spider scores by hardness. */
export function renderDemoReport(options: RenderDemoReportOptions): string {
  const { result, build, events, timings } = options;
  const training = result.training;
  const spiderAnswers = result.answers.filter(({ kind }) => kind === 'spider');
  const trainingAnswers = result.answers.filter(({ kind }) => kind === 'training');
  const sections = [
    '<h2>Data</h2>',
    `<p>${result.data.kept} of ${result.data.read} records kept from ${result.data.sources} sample sources shipped with the CLI (non-commercial licences filtered out, SQL validated, duplicates dropped); ${result.data.sftRecords} SFT records in FlagAI's AquilaSQL format.</p>`,
    table(
      ['source', 'licence', 'read', 'kept', 'dropped'],
      build.sources.map((source) => [
        source.name,
        source.licence,
        String(source.read),
        String(source.kept),
        Object.entries(source.dropped)
          .map(([reason, count]) => `${reason} ${count}`)
          .join(', '),
      ]),
    ),
    '<h2>Training</h2>',
    training === undefined
      ? `<p>No training: answers come from the given model ${escapeHtml(result.modelDirectory)}.</p>`
      : `<p>A LLaMA-shaped model of ${training.parameters.toLocaleString('en-US')} parameters over the ${training.vocabularyUsed} token ids of the data, trained in-process on the CPU for ${training.steps} steps (${training.seconds.toFixed(1)} s): loss ${training.firstLoss.toFixed(3)} → ${training.lastLoss.toFixed(3)}. Checkpoint <code>${escapeHtml(training.checkpoint)}</code>, converted to ONNX in <code>${escapeHtml(result.modelDirectory)}</code>.</p>\n${renderLossChart({ events, title: 'loss of the tiny model' })}`,
    '<h2>Answers</h2>',
    `<p>Greedy decoding as <code>aquila predict</code> does it (FlagAI's inference prompt: BOS, then the prompt text; its stop rules); the SQL is taken from the answer as FlagAI does (the first fenced block). Training questions: ${trainingAnswers.filter(({ reproduced }) => reproduced === true).length} of ${trainingAnswers.length} reproduced exactly.</p>`,
    `<table class="answers">\n<colgroup><col style="width:14%"><col style="width:28%"><col style="width:22%"><col style="width:22%"><col style="width:14%"></colgroup>\n<tr><th>database / record</th><th>question</th><th>gold</th><th>predicted</th><th>verdict</th></tr>\n${answerRows(result.answers)}\n</table>`,
    '<h2>Spider dev scores</h2>',
    'summary' in result.spider
      ? `<p>${spiderAnswers.length} Spider dev questions, spread over the databases present, predicted and scored as <code>aquila predict --eval</code> does (@aquila/text-to-sql; the official exact set match and execution accuracy of @aquila/sql-metrics); the run's files and reports are in <code>spider/</code>.</p>\n${scoresTable(result.spider.summary)}`
      : `<p>Skipped: ${escapeHtml(result.spider.skipped)}.</p>`,
    `<p class="honest">What to expect: ${training === undefined ? 'these scores are those of the given model.' : `a model of ${training.parameters.toLocaleString('en-US')} parameters trained for ${training.steps} steps on ${result.data.sftRecords} records memorises its training answers and has no SQL skill to speak of, so it scores about 0 on Spider. The demo shows that data → training → conversion → generation → evaluation runs end to end; scores worth reading need a real checkpoint (<code>aquila demo --model DIR</code> with a converted AquilaSQL model).`}</p>`,
    '<h2>Timings</h2>',
    table(
      ['stage', 'seconds'],
      timings.map(([stage, seconds]) => [stage, seconds.toFixed(1)]),
    ),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Aquila-TS demo report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}table{border-collapse:collapse;margin-bottom:1rem}th,td{text-align:left;padding:3px 10px;border-bottom:1px solid #ddd;vertical-align:top}code,pre{font-size:0.85em;white-space:pre-wrap;overflow-wrap:anywhere}.answers{table-layout:fixed;width:100%}.answers td{overflow-wrap:anywhere}.question{white-space:pre-wrap}.honest{background:#fff7e0;padding:0.6rem}</style>
</head>
<body>
<h1>Aquila-TS demo report</h1>
${sections.join('\n')}
</body>
</html>
`;
}
