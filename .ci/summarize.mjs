// Prints `tests: N passed, N failed` from Vitest's JSON report; exits non-zero when a test failed, a suite failed
// to load, or no test ran. The skipped tests, each saying what it needs, are listed by vitest.config.ts's reporter.
import { existsSync, readFileSync } from 'node:fs';

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
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
