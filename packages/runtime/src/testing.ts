// Models for the tests of code that runs one: `@aquila/runtime/testing`.
export type { WriteRandomCheckpointOptions } from './checkpoint/write-random-checkpoint.js';
export { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
export { tinyShapes } from './test-support/tiny-models.js';
export type { Script, ScriptedModel, WriteScriptedModelOptions } from './write-scripted-model.js';
export { writeScriptedModel } from './write-scripted-model.js';
