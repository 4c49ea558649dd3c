// In-process trainer throughput: training tokens per second (forward + backward + AdamW) at three model
// sizes on one and two threads, the last size the issue's target (a 2–5M-parameter model, 1,000 steps in under 5 minutes). Wall
// time and this process's CPU time are both shown: on a shared machine the wall time mostly measures the
// neighbours. The peer is this machine's float32 matrix-multiply rate through numpy (BLAS).
import { spawnSync } from 'node:child_process';
import { LlamaModel, type LlamaShape, trainLlama } from '../src/index.js';

const shape = (
  layers: number,
  hiddenSize: number,
  intermediateSize: number,
  vocabSize: number,
  maxPositions: number,
): LlamaShape => ({
  vocabSize,
  hiddenSize,
  intermediateSize,
  layers,
  heads: hiddenSize / 32,
  maxPositions,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
});
const sizes = [
  { label: '2 layers × 128, vocab 2,000', shape: shape(2, 128, 344, 2000, 128), batch: 4 },
  { label: '4 layers × 192, vocab 4,000', shape: shape(4, 192, 512, 4000, 128), batch: 4 },
  { label: 'target: 4 layers × 128, vocab 5,000', shape: shape(4, 128, 344, 5000, 128), batch: 2 },
].flatMap((size) => ([1, 2] as const).map((threads) => ({ ...size, threads })));

const rows = [];
for (const { label, shape: modelShape, batch, threads } of sizes) {
  const sequence = modelShape.maxPositions;
  const model = new LlamaModel({ shape: modelShape, seed: 1, threads });
  const sequences = Array.from({ length: 16 }, (_, index) => {
    const inputIds = Int32Array.from(
      { length: sequence },
      (_, position) => (index * 31 + position * 7) % modelShape.vocabSize,
    );
    return { inputIds, labels: inputIds };
  });
  const train = (steps: number): Promise<unknown> =>
    trainLlama({
      model,
      sequences,
      steps,
      batchSize: batch,
      optimizer: { lr: 1e-3, minLr: 1e-4, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, clipGrad: 1 },
      schedule: { warmupSteps: 0, style: 'cosine' },
      seed: 1,
    });
  await train(2);
  const steps = 10;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await train(steps);
  const seconds = (performance.now() - started) / 1000 / steps;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6 / steps;
  const tokens = batch * sequence;
  // ≈ 6 FLOPs per parameter per token for forward + backward (attention's T² terms are small here).
  rows.push({
    model: label,
    threads,
    parameters: model.parameterCount.toLocaleString('en-US'),
    'tokens/step': tokens,
    's/step': seconds.toFixed(3),
    'CPU s/step': cpuSeconds.toFixed(3),
    'tokens/s': Math.round(tokens / seconds),
    'GFLOP/CPU s': ((6 * model.parameterCount * tokens) / cpuSeconds / 1e9).toFixed(1),
    '1,000 steps': `${((1000 * seconds) / 60).toFixed(1)} min`,
  });
}

const script =
  'import time, numpy as np\na=np.random.rand(512,512).astype(np.float32)\nb=np.random.rand(512,512).astype(np.float32)\na@b\nt=time.process_time()\nfor _ in range(50): a@b\nprint(50*2*512**3/(time.process_time()-t)/1e9)';
const numpy = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
console.table(rows);
console.log(
  `peer: numpy float32 512×512 matmul (BLAS): ${numpy.status === 0 ? `${Number(numpy.stdout).toFixed(1)} GFLOP per CPU second` : 'n/a (python3 with numpy missing)'}`,
);
