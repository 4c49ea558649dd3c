// Symbol.for keys are shared by every copy of this package loaded in a process, so `isInstance`
// recognises errors thrown by another copy (two versions in node_modules), where `instanceof` fails.
const errorMarker = Symbol.for('aquila.error');
const codesMarker = Symbol.for('aquila.error.codes');

export interface AquilaErrorOptions {
  /** The error that led to this one. */
  cause?: unknown;
}

type AquilaErrorClass<T extends AquilaError> = (abstract new (...parameters: never[]) => T) & { readonly code: string };

/**
 * The base of every error thrown by Aquila-TS packages. Each failure has its own subclass with a
 * stable `code`; messages say what was wrong, where, and what to do about it.
 */
export class AquilaError extends Error {
  /** The stable code of this class; each subclass overrides it: `static override readonly code: string = "…"`. */
  static readonly code: string = 'AQUILA_ERROR';

  /** The stable code of the failure, for programs to branch on. */
  readonly code: string;

  constructor(message: string, options: AquilaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const codes: string[] = [];
    for (
      let current: unknown = new.target;
      typeof current === 'function' && current !== Error;
      current = Object.getPrototypeOf(current)
    ) {
      const code = (current as { code?: unknown }).code;
      if (typeof code === 'string' && Object.hasOwn(current, 'code')) codes.push(code);
    }
    this.code = codes[0] ?? AquilaError.code;
    this.name = new.target.name;
    Object.defineProperty(this, errorMarker, { value: true });
    Object.defineProperty(this, codesMarker, { value: Object.freeze(codes) });
  }

  /**
   * Whether `error` is an instance of this class (or a subclass), also when it was thrown by another
   * copy of the package: `AquilaError.isInstance(e)`, `TokenizerFileError.isInstance(e)`.
   */
  static isInstance<T extends AquilaError>(this: AquilaErrorClass<T>, error: unknown): error is T {
    if (typeof error !== 'object' || error === null) return false;
    const record = error as Record<symbol, unknown>;
    if (record[errorMarker] !== true) return false;
    const codes = record[codesMarker];
    return Array.isArray(codes) && codes.includes(this.code);
  }
}
