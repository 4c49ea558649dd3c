import type { SchemaElement } from 'hyparquet-writer';

// Parquet schema elements as the hub's files (written by pandas/pyarrow) have them, for hyparquet-writer.

export const string = (name: string) => ({
  name,
  type: 'BYTE_ARRAY' as const,
  converted_type: 'UTF8' as const,
  repetition_type: 'OPTIONAL' as const,
});
export const int32 = (name: string) => ({ name, type: 'INT32' as const, repetition_type: 'OPTIONAL' as const });
/** A list column (`depth` 1: a list of lists), in the three-level LIST layout. */
export const list = (name: string, element: SchemaElement, depth = 0): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  ...(depth === 0 ? [{ ...element, name: 'element' }] : list('element', element, depth - 1)),
];

/** The Hugging Face `wikisql` `sql` struct: human_readable, sel, agg, conds{column_index, operator_index, condition}. */
export const wikiSqlStruct: SchemaElement[] = [
  { name: 'sql', repetition_type: 'OPTIONAL', num_children: 4 },
  string('human_readable'),
  int32('sel'),
  int32('agg'),
  { name: 'conds', repetition_type: 'OPTIONAL', num_children: 3 },
  ...list('column_index', int32('x')),
  ...list('operator_index', int32('x')),
  ...list('condition', string('x')),
];

/** The fields of the `wikisql` `table` struct, in its order. */
export const wikiTableFields: SchemaElement[] = [
  ...list('header', string('x')),
  string('page_title'),
  string('page_id'),
  ...list('types', string('x')),
  string('id'),
  string('section_title'),
  string('caption'),
  ...list('rows', string('x'), 1),
  string('name'),
];
