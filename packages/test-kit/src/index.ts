export { aquilaTokenizerJson } from './aquila-tokenizer-json.js';
export type { CheckPropertyInWorkerOptions } from './check-property-in-worker.js';
export { checkPropertyInWorker } from './check-property-in-worker.js';
export type { ChildProcessesOptions } from './child-processes.js';
export { canListProcesses, childProcesses, isAlive } from './child-processes.js';
export { fixturePath, fixturesDirectory } from './fixture-path.js';
