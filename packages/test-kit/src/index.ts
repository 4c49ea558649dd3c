export { checkPropertyInWorker } from './check-property-in-worker.js';
export type { CheckPropertyInWorkerOptions } from './check-property-in-worker.js';
export { fixturePath, fixturesDirectory } from './fixture-path.js';
export { aquilaTokenizerJson } from './aquila-tokenizer-json.js';
