// In-process trainer throughput: training tokens per second (forward + backward + AdamW) at two model
// sizes. The peer is this machine's float32 matrix-multiply rate through numpy (BLAS), the ceiling the
// JS kernels are measured against.
import { spawnSync } from 'node:child_process';
import { LlamaModel, trainLlama, type LlamaShape } from '../src/index.js';

const sizes: Array<{ label: string; shape: LlamaShape; sequence: number; batch: number }> = [
  { label: '2 layers × 128, vocab 2,000', shape: { vocabSize: 2000, hiddenSize: 128, intermediateSize: 344, layers: 2, heads: 4, maxPositions: 128, rmsNormEpsilon: 1e-5, ropeTheta: 10000 }, sequence: 128, batch: 4 },
  { label: '4 layers × 192, vocab 4,000', shape: { vocabSize: 4000, hiddenSize: 192, intermediateSize: 512, layers: 4, heads: 6, maxPositions: 128, rmsNormEpsilon: 1e-5, ropeTheta: 10000 }, sequence: 128, batch: 4 },
];

const rows = [];
for (const { label, shape, sequence, batch } of sizes) {
  const model = new LlamaModel({ shape, seed: 1 });
  const sequences = Array.from({ length: 16 }, (_, index) => {
    const inputIds = Int32Array.from({ length: sequence }, (_, position) => (index * 31 + position * 7) % shape.vocabSize);
    return { inputIds, labels: inputIds };
  });
  const optimizer = { lr: 1e-3, minLr: 1e-4, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, clipGrad: 1 };
  await trainLlama({ model, sequences, steps: 1, batchSize: batch, optimizer, schedule: { warmupSteps: 0, style: 'cosine' }, seed: 1 });
  const steps = 3;
  const started = performance.now();
  await trainLlama({ model, sequences, steps, batchSize: batch, optimizer, schedule: { warmupSteps: 0, style: 'cosine' }, seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  const tokensPerSecond = (steps * batch * sequence) / seconds;
  // ≈ 6 FLOPs per parameter per token for forward + backward (attention's T² terms are small here).
  const gflops = (6 * model.parameterCount * tokensPerSecond) / 1e9;
  rows.push({ model: label, parameters: model.parameterCount.toLocaleString('en-US'), 'tokens/step': batch * sequence, 's/step': (seconds / steps).toFixed(2), 'tokens/s': Math.round(tokensPerSecond), 'GFLOP/s': gflops.toFixed(2) });
}

const script = 'import time, numpy as np\na=np.random.rand(512,512).astype(np.float32)\nb=np.random.rand(512,512).astype(np.float32)\na@b\nt=time.perf_counter()\nfor _ in range(50): a@b\nprint(50*2*512**3/(time.perf_counter()-t)/1e9)';
const numpy = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
console.table(rows);
console.log(`peer: numpy float32 512×512 matmul (BLAS, all cores): ${numpy.status === 0 ? `${Number(numpy.stdout).toFixed(1)} GFLOP/s` : 'n/a (python3 with numpy missing)'}`);
