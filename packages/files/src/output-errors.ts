import { AquilaError } from '@aquila/errors';

/** An output path that cannot be written safely: it is an input, a folder, or lies in a missing folder. */
export class OutputPathError extends AquilaError {
  static override readonly code: string = 'AQUILA_OUTPUT_PATH';
}

/** An output path that resolves to one of the inputs of the same command: writing it would destroy the input. */
export class OutputIsInputError extends OutputPathError {
  static override readonly code: string = 'AQUILA_OUTPUT_IS_INPUT';
}

/** An output folder that holds files this tool did not write, so emptying it could lose someone's work. */
export class OutputFolderNotOwnedError extends AquilaError {
  static override readonly code: string = 'AQUILA_OUTPUT_FOLDER_NOT_OWNED';
}
