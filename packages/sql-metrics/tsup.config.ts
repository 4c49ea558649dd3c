import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/execution-worker.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
