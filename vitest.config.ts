import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import type { Vitest } from 'vitest/node';
import type { Reporter } from 'vitest/reporters';
import { testProjects } from './vitest.workspace.ts';

// Vite's default conditions for Node, with the workspace's source condition first.
const sourceConditions = ['@aquila/source', 'module', 'node', 'development|production'];

// After the counts, each skipped test by file and name: a test skipped for a missing machine tool says what it
// needs in its name (`needs` of @aquila/test-kit). Not when a name filter (-t) skips the rest on purpose.
let vitest: Vitest | undefined;
const skippedTests: Reporter = {
  onInit(instance) {
    vitest = instance;
  },
  onTestRunEnd(testModules) {
    if (vitest?.config.testNamePattern !== undefined) return;
    const skipped = testModules.flatMap((testModule) =>
      [...testModule.children.allTests('skipped')].map(
        (test) => `   ${relative(process.cwd(), testModule.moduleId)} > ${test.fullName}`,
      ),
    );
    if (skipped.length > 0) console.log(`\n Skipped tests (${skipped.length}):\n${skipped.join('\n')}\n`);
  },
};

export default defineConfig({
  test: {
    // CI reads the pass/fail counts from Vitest's own JSON report (.ci/run prints them).
    reporters: process.env.CI ? ['default', 'json', skippedTests] : ['default', skippedTests],
    outputFile: { json: '.ci/vitest-report.json' },
    projects: testProjects.map(({ name, root }) => ({
      // Tests run against the sources of sibling packages (the `@aquila/source` export condition of each package),
      // so no build is needed between an edit and a test run.
      resolve: { conditions: sourceConditions },
      ssr: { resolve: { conditions: sourceConditions } },
      test: {
        name,
        root,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 120_000,
      },
    })),
  },
});
