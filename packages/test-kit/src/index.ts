export { checkPropertyInWorker } from './check-property-in-worker.js';
export type { CheckPropertyInWorkerOptions } from './check-property-in-worker.js';
export { fixturePath, fixturesDirectory } from './fixture-path.js';
export { aquilaTokenizerJson } from './aquila-tokenizer-json.js';
export { canListProcesses, childProcesses, isAlive } from './child-processes.js';
export type { ChildProcessesOptions } from './child-processes.js';
