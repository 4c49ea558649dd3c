// Compiles src/trainer/gemm.wat into src/trainer/gemm-wasm.ts (the module's bytes as base64), so the
// package ships no .wasm file and needs no loader. Run after editing the .wat: pnpm --filter @aquila/train build:wasm
import { readFile, writeFile } from 'node:fs/promises';
import createWabt from 'wabt';

const source = new URL('../src/trainer/gemm.wat', import.meta.url);
const target = new URL('../src/trainer/gemm-wasm.ts', import.meta.url);

export async function compileGemm() {
  const wabt = await createWabt();
  const features = { simd: true, threads: true };
  const module = wabt.parseWat('gemm.wat', await readFile(source, 'utf8'), features);
  module.validate(features);
  const { buffer } = module.toBinary({});
  module.destroy();
  return Buffer.from(buffer).toString('base64');
}

export function renderModule(base64) {
  return `// Generated from gemm.wat by scripts/build-wasm.mjs; do not edit.\nexport const gemmWasm = '${base64}';\n`;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  await writeFile(target, renderModule(await compileGemm()));
}
