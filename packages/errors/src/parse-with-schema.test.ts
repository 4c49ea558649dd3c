import { describe, expect, it } from 'vitest';
import { AquilaError } from './aquila-error.js';
import { parseWithSchema, type SchemaIssue, type StandardSchema } from './parse-with-schema.js';

class ConfigFailure extends AquilaError {
  static override readonly code: string = 'TEST_CONFIG_FAILURE';
}

/** A hand-made Standard Schema: a list of layer sizes, each a positive integer. */
const layerSizes: StandardSchema<number[]> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => {
      if (!Array.isArray(value)) return { issues: [{ message: 'expected a list' }] };
      const issues: SchemaIssue[] = value.flatMap((item, index) =>
        Number.isInteger(item) && item > 0
          ? []
          : [
              {
                message: `expected a positive integer, got ${String(item)}`,
                path: [{ key: 'model' }, 'layers', index],
              },
            ],
      );
      return issues.length > 0 ? { issues } : { value: value as number[] };
    },
  },
};

const parse = (value: unknown): number[] =>
  parseWithSchema({
    schema: layerSizes,
    value,
    error: ({ message, path }) => new ConfigFailure(`run.yaml: ${path === '' ? '' : `${path}: `}${message}`),
  });

describe('parseWithSchema', () => {
  it("gives back the schema's output", () => {
    const sizes: number[] = parse([4, 8]);
    expect(sizes).toEqual([4, 8]);
  });

  it("throws the caller's error for the first issue, with its path written out", () => {
    expect(() => parse([4, 0, -1])).toThrow(
      new ConfigFailure('run.yaml: model.layers[1]: expected a positive integer, got 0'),
    );
    expect(() => parse('many')).toThrow(new ConfigFailure('run.yaml: expected a list'));
    try {
      parse([1.5]);
    } catch (error) {
      expect(ConfigFailure.isInstance(error) && error.code).toBe('TEST_CONFIG_FAILURE');
    }
  });

  it('writes empty names quoted, and passes the keys on', () => {
    const empty: StandardSchema = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => ({ issues: [{ message: 'unknown key', path: ['a', ''] }] }),
      },
    };
    expect(() =>
      parseWithSchema({
        schema: empty,
        value: {},
        error: ({ message, path, keys }) => new Error(`${path} ${JSON.stringify(keys)}: ${message}`),
      }),
    ).toThrow('a."" ["a",""]: unknown key');
  });

  it('refuses a schema that checks asynchronously', () => {
    const later: StandardSchema = {
      '~standard': { version: 1, vendor: 'test', validate: async (value) => ({ value }) },
    };
    expect(() => parseWithSchema({ schema: later, value: 1, error: () => new Error('never') })).toThrow(TypeError);
  });
});
