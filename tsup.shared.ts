import { defineConfig, type Options } from 'tsup';

/** The build every package shares: ESM for Node 20, d.ts, source maps; a package adds entries or a banner. */
export function packageBuild(options: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    dts: true,
    sourcemap: true,
    clean: true,
    tsconfig: 'tsconfig.build.json',
    ...options,
  });
}
