import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { RequestError } from './errors.js';
import {
  arrayField,
  booleanField,
  numberField,
  objectField,
  readFields,
  readJsonObject,
  requiredText,
  stopListField,
  textField,
} from './request-body.js';

const post = (body: string): Request => new Request('http://127.0.0.1/', { method: 'POST', body });

/** Calls `read` and returns what it gave, or the RequestError it threw (any other error fails the test). */
function outcome(read: () => unknown): { value: unknown } | { error: RequestError } {
  try {
    return { value: read() };
  } catch (error) {
    expect(RequestError.isInstance(error)).toBe(true);
    return { error: error as RequestError };
  }
}

describe('readJsonObject', () => {
  it('turns any body into an object or a 400 that says what to send', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.json().map((text) => JSON.stringify(text)),
        ),
        async (body) => {
          for (const jsonString of [false, true]) {
            try {
              const value = await readJsonObject(post(body), { jsonString });
              expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
            } catch (error) {
              expect(RequestError.isInstance(error) && error.status === 400).toBe(true);
              expect((error as Error).message).toMatch(/JSON object|not valid JSON|empty/);
            }
          }
        },
      ),
    );
  });

  it("accepts FlagAI's JSON-string body only when asked to", async () => {
    const body = JSON.stringify(JSON.stringify({ prompt: 'x' }));
    expect(await readJsonObject(post(body), { jsonString: true })).toEqual({ prompt: 'x' });
    await expect(readJsonObject(post(body))).rejects.toThrow('the request body must be a JSON object, got a string.');
  });
});

describe('readFields', () => {
  it('returns only values that keep the rule, and names the field, the rule and the value otherwise', () => {
    const rule = fc.record({
      integer: fc.boolean(),
      min: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
      max: fc.option(fc.integer({ min: 6, max: 10 }), { nil: undefined }),
      above: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.jsonValue(), rule, (value, numberRule) => {
        const result = outcome(() => readFields({ field: value }, { field: numberField(numberRule) }).field);
        if ('error' in result) {
          expect(result.error.status).toBe(400);
          expect(result.error.message).toMatch(/^"field" must be (an integer|a number)/);
          return;
        }
        const read = result.value;
        if (value === null) {
          expect(read).toBeUndefined();
          return;
        }
        expect(read).toBe(value);
        expect(Number.isFinite(read)).toBe(true);
        if (numberRule.integer) expect(Number.isInteger(read)).toBe(true);
        if (numberRule.min !== undefined)
          expect(numberRule.above ? (read as number) > numberRule.min : (read as number) >= numberRule.min).toBe(true);
        if (numberRule.max !== undefined) expect(read as number).toBeLessThanOrEqual(numberRule.max);
      }),
    );
  });

  it('reads strings, booleans and stop lists, or says what was expected', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const body = { field: value };
        for (const read of [
          (): unknown => readFields(body, { field: textField() }).field,
          () => readFields(body, { field: booleanField }).field,
          () => readFields(body, { field: stopListField(4) }).field,
          () => readFields(body, { field: objectField }).field,
          () => readFields(body, { field: arrayField(v.unknown()) }).field,
        ]) {
          const result = outcome(read);
          if ('error' in result) expect(result.error.message).toMatch(/^"field" must be /);
          else if (value === null) expect(result.value).toBeUndefined();
        }
      }),
    );
    expect(readFields({ stop: 'END' }, { stop: stopListField(4) }).stop).toEqual(['END']);
    expect(() => readFields({}, { prompt: requiredText })).toThrow('"prompt" is required (a string).');
  });
});
