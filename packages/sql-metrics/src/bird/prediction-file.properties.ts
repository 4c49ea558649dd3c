// Properties of the BIRD prediction file, run in a worker with a wall-clock limit (see prediction-file.test.ts).
import fc from 'fast-check';
import { pythonJsonObject } from '../internal/python-json-object.js';
import { birdSeparator, formatBirdPredictions, parseBirdPredictions } from './prediction-file.js';

// SQL-like text with the characters that need escaping, the separator's pieces, and any UTF-16 code unit.
const text = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.string({ maxLength: 6 }),
      fc.constantFrom('\t', '\n', '"', '\\', '\u007f', '\u00e9', '\ud83d', '----- bird -----', 'SELECT ', ' '),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

export function formatThenParseRoundTrips(): void {
  fc.assert(
    fc.property(fc.array(fc.record({ sql: text, dbId: text }), { maxLength: 6 }), (entries) => {
      let written: string;
      try {
        written = formatBirdPredictions(entries);
      } catch {
        // Refused only where the official loader could not split the value back into the same two parts.
        const splitBack = ({ sql, dbId }: { sql: string; dbId: string }): string =>
          JSON.stringify(`${sql}${birdSeparator}${dbId}`.split(birdSeparator));
        if (entries.some((entry) => splitBack(entry) !== JSON.stringify([entry.sql, entry.dbId]))) return;
        throw new Error(`refused ${JSON.stringify(entries)}`);
      }
      if (!/^[\x20-\x7e\n]*$/.test(written)) throw new Error('not ASCII');
      const read = parseBirdPredictions(written);
      const expected = entries.map(({ sql, dbId }) => ({ sql, dbId, missing: false }));
      if (JSON.stringify(read) !== JSON.stringify(expected))
        throw new Error(`${JSON.stringify(entries)} read back as ${JSON.stringify(read)}`);
      if (
        JSON.stringify(JSON.parse(written)) !==
        JSON.stringify(
          Object.fromEntries(entries.map(({ sql, dbId }, index) => [index, `${sql}${birdSeparator}${dbId}`])),
        )
      )
        throw new Error('JSON.parse reads another object');
    }),
    { numRuns: 5_000 },
  );
}

// Against JSON.parse on any JSON object: the same string values, keys in the text's order (first place, last value).
export function readsWhatJsonParseReads(): void {
  const member = fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.nat(20).map(String)), fc.jsonValue({ maxDepth: 3 }));
  fc.assert(
    fc.property(fc.array(member, { maxLength: 8 }), fc.constantFrom('', ' ', '\n  '), (pairs, space) => {
      const written = `{${pairs.map(([key, value]) => `${space}${JSON.stringify(key)}${space}:${space}${JSON.stringify(value, null, space.length > 0 ? 2 : undefined)}`).join(',')}${space}}`;
      const parsed = JSON.parse(written) as Record<string, unknown>;
      const order: string[] = [];
      for (const [key] of pairs) if (!order.includes(key)) order.push(key);
      const members = pythonJsonObject(written);
      if (JSON.stringify(members.map(({ key }) => key)) !== JSON.stringify(order))
        throw new Error(`order of ${written}`);
      for (const { key, value } of members) {
        const expected = typeof parsed[key] === 'string' ? parsed[key] : undefined;
        if (value !== expected) throw new Error(`value of ${key} in ${written}`);
      }
    }),
    { numRuns: 5_000 },
  );
}

// Anything that is not a JSON object either throws or, where JSON.parse reads an object, agrees with it.
export function neverHangsOrCrashes(): void {
  const noise = fc.array(
    fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', 'null', '1', '-', 'NaN', ' ', 'a', '"k"'),
    {
      maxLength: 30,
    },
  );
  fc.assert(
    fc.property(noise, (parts) => {
      const written = parts.join('');
      let object: unknown;
      try {
        object = JSON.parse(written);
      } catch {
        object = undefined;
      }
      try {
        parseBirdPredictions(written);
      } catch (error) {
        if ((error as { code?: string }).code !== 'AQUILA_SQL_EVALUATION_INPUT') throw error;
        if (object !== null && typeof object === 'object' && !Array.isArray(object) && !written.includes('NaN'))
          throw new Error(`refused the object ${written}`);
      }
    }),
    { numRuns: 20_000 },
  );
}
