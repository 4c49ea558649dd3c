// The test projects. Vitest 4+ reads no workspace file by itself: vitest.config.ts feeds this list to `test.projects`.
const packageNames = [
  'errors',
  'files',
  'formats',
  'prompts',
  'hub',
  'test-kit',
  'tokenizer',
  'data',
  'train',
  'runtime',
  'sql-metrics',
  'text-to-sql',
];
const appNames = ['cli', 'server'];

export const testProjects = [
  ...packageNames.map((name) => ({ name, root: `packages/${name}` })),
  ...appNames.map((name) => ({ name, root: `apps/${name}` })),
];
