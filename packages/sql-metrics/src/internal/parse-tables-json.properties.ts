// Properties of the tables.json reader, run in a worker with a wall-clock limit (see parse-tables-json.test.ts).
import fc from 'fast-check';
import { SchemaError } from '../errors.js';
import { foreignKeyMap, schemaFromTablesJson } from '../schema.js';
import { parseTablesJson } from './parse-tables-json.js';

// Entries shaped like Spider's, with every field sometimes missing, of another type or out of range.
const loose = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: fc.jsonValue() });
const entry = fc.record(
  {
    db_id: loose(fc.constantFrom('concert_singer', 'x', '', '__proto__')),
    table_names_original: loose(fc.array(loose(fc.constantFrom('singer', 'T', 'Ünïcode', '')), { maxLength: 4 })),
    column_names_original: loose(
      fc.array(loose(fc.tuple(loose(fc.integer({ min: -2, max: 5 })), loose(fc.constantFrom('*', 'name', 'Age')))), {
        maxLength: 6,
      }),
    ),
    foreign_keys: loose(
      fc.array(loose(fc.array(loose(fc.integer({ min: -1, max: 7 })), { maxLength: 3 })), { maxLength: 3 }),
    ),
    column_types: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const document = fc.oneof(
  { weight: 4, arbitrary: fc.array(entry, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

export function givesSchemasOrSchemaError(): void {
  fc.assert(
    fc.property(document, fc.nat(), (value, cut) => {
      const text = JSON.stringify(value) ?? '';
      // Whole, and cut short (not JSON any more, most of the time).
      for (const candidate of [text, text.slice(0, cut % (text.length + 1))]) {
        let entries: Map<string, unknown> | undefined;
        try {
          entries = parseTablesJson(candidate, 'tables.json');
        } catch (error) {
          if (!SchemaError.isInstance(error) || !(error as Error).message.startsWith('tables.json')) throw error;
        }
        // What it accepts, the schema builders take without an error of any kind.
        for (const accepted of entries?.values() ?? []) {
          schemaFromTablesJson(accepted as Parameters<typeof schemaFromTablesJson>[0]);
          foreignKeyMap(accepted as Parameters<typeof foreignKeyMap>[0]);
        }
      }
    }),
    { numRuns: 10_000 },
  );
}
