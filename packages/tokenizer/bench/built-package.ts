// The benchmarks run the built package, the code users get (`pnpm bench` runs tsup first): its encodeBatch
// workers start from dist/encode-worker.js, not from sources compiled on the fly. Typed from the sources.
export const { loadAquilaTokenizer, loadTokenizer } = (await import(
  new URL('../dist/index.js', import.meta.url).href
)) as typeof import('../src/index.js');
