import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testProjects } from './vitest.workspace.ts';

const packagesDirectory = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  test: {
    // CI reads the pass/fail counts from Vitest's own JSON report (.ci/run prints them).
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/vitest-report.json' },
    projects: testProjects.map(({ name, root }) => ({
      // Tests run against the sources of sibling packages, so no build is needed between an edit and a test run.
      resolve: {
        alias: [
          {
            find: /^@aquila\/server$/,
            replacement: fileURLToPath(new URL('./apps/server/src/index.ts', import.meta.url)),
          },
          { find: /^@aquila\/([a-z-]+)$/, replacement: `${packagesDirectory}$1/src/index.ts` },
        ],
      },
      test: {
        name,
        root,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 120_000,
      },
    })),
  },
});
