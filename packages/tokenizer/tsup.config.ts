import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker is its own entry: encodeBatch starts it from dist/encode-worker.js.
  entry: ['src/index.ts', 'src/encode-worker.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
