// Prints each skipped test (its name says what it needs from the machine), then, as the last line,
// `tests: N passed, N failed` from Vitest's JSON report; exits non-zero when a test failed, a suite failed to
// load, or no test ran.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const file = process.argv[2];
if (!existsSync(file)) {
  console.log(`ci: no Vitest report at ${file}`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const brokenSuites = report.testResults.filter(
  (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
);
for (const suite of brokenSuites) console.log(`ci: suite failed to run: ${suite.name}\n${suite.message}`);
const failed = report.numFailedTests + brokenSuites.length;
const passed = report.numPassedTests;
const skipped = report.numPendingTests + report.numTodoTests;
const skippedTests = report.testResults.flatMap((suite) =>
  suite.assertionResults
    .filter((test) => ['skipped', 'pending', 'todo'].includes(test.status))
    .map(
      (test) => `ci: skipped: ${[relative(process.cwd(), suite.name), ...test.ancestorTitles, test.title].join(' > ')}`,
    ),
);
for (const line of skippedTests) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
