// Files written complete or absent

export type { AtomicFile, CreateAtomicFileOptions } from './atomic-file.js';
export { createAtomicFile } from './atomic-file.js';
export type { AtomicWriteStream, OpenAtomicWriteStreamOptions } from './atomic-write-stream.js';
export { openAtomicWriteStream } from './atomic-write-stream.js';
export { removeTemporaryFilesSync } from './temporary-files.js';
export type { WriteFileAtomicOptions } from './write-file-atomic.js';
export { writeFileAtomic } from './write-file-atomic.js';
export type { WriteFilesTogetherOptions } from './write-files-together.js';
export { writeFilesTogether } from './write-files-together.js';

// Outputs that never replace an input, and output folders the tool owns

export type { CheckOutputPathsOptions, LabelledPath } from './check-output-paths.js';
export { checkOutputPaths } from './check-output-paths.js';
export { OutputFolderNotOwnedError, OutputIsInputError, OutputPathError } from './output-errors.js';
export type { PreparedOutputFolder, PrepareOutputFolderOptions } from './prepare-output-folder.js';
export { outputFolderMarker, prepareOutputFolder } from './prepare-output-folder.js';

// Reading user files: strict UTF-8 lines, one policy for bad lines

export type { BadLineErrorOptions, BadLinePolicyOptions, SkippedLine } from './bad-lines.js';
export { BadLineError, BadLinePolicy } from './bad-lines.js';
export type { ReadTextLinesOptions, TextLine } from './read-text-lines.js';
export { readTextLines } from './read-text-lines.js';

// Modules a package runs on their own (worker threads, child processes), from its sources or its build

export type { ModuleCommand, ModuleEntry, StartModuleWorkerOptions } from './module-entry.js';
export { moduleCommand, startModuleWorker } from './module-entry.js';
