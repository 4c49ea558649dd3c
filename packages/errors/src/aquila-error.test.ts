import { describe, expect, it } from 'vitest';
import { AquilaError } from './aquila-error.js';

class ParseFailure extends AquilaError {
  static override readonly code: string = 'TEST_PARSE_FAILURE';
}
class LexFailure extends ParseFailure {
  static override readonly code: string = 'TEST_LEX_FAILURE';
}
class Unrelated extends AquilaError {
  static override readonly code: string = 'TEST_UNRELATED';
}

describe('AquilaError', () => {
  it('carries the code, name, message and cause', () => {
    const cause = new Error('low level');
    const error = new LexFailure('bad token at line 3', { cause });
    expect(error.code).toBe('TEST_LEX_FAILURE');
    expect(error.name).toBe('LexFailure');
    expect(error.message).toBe('bad token at line 3');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
    expect(String(error.stack)).toContain('bad token at line 3');
  });

  it('recognises the class chain with isInstance', () => {
    const error = new LexFailure('x');
    expect(AquilaError.isInstance(error)).toBe(true);
    expect(ParseFailure.isInstance(error)).toBe(true);
    expect(LexFailure.isInstance(error)).toBe(true);
    expect(Unrelated.isInstance(error)).toBe(false);
    expect(LexFailure.isInstance(new ParseFailure('y'))).toBe(false);
  });

  it('rejects values that are not Aquila errors', () => {
    for (const value of [null, undefined, 1, 'AQUILA_ERROR', new Error('plain'), { code: 'TEST_LEX_FAILURE' }]) {
      expect(AquilaError.isInstance(value)).toBe(false);
      expect(LexFailure.isInstance(value)).toBe(false);
    }
  });

  it('recognises errors from another copy of the package', async () => {
    // A second module instance stands for a second copy of the package in node_modules.
    const url = new URL('./aquila-error.ts', import.meta.url);
    url.searchParams.set('copy', '2');
    const other = (await import(/* @vite-ignore */ url.href)) as typeof import('./aquila-error.js');
    expect(other.AquilaError).not.toBe(AquilaError);
    class OtherLexFailure extends other.AquilaError {
      static override readonly code: string = 'TEST_LEX_FAILURE';
    }
    const foreign = new OtherLexFailure('from the other copy');
    expect(foreign instanceof AquilaError).toBe(false);
    expect(AquilaError.isInstance(foreign)).toBe(true);
    expect(LexFailure.isInstance(foreign)).toBe(true);
    expect(Unrelated.isInstance(foreign)).toBe(false);
  });

  it('defaults the code of the base class', () => {
    const error = new AquilaError('generic');
    expect(error.code).toBe('AQUILA_ERROR');
    expect(error.cause).toBeUndefined();
    expect('cause' in error).toBe(false);
  });
});
