import { createHash } from 'node:crypto';
import type { DatasetRecord } from '../sources/dataset-record.js';

/** A key that survives the differences between copies of one example: case, whitespace, quote style, semicolons. */
export function deduplicationKey(record: DatasetRecord): string {
  if (record.task !== 'text-to-sql') return `text\u0000${(record.text ?? '').replace(/\s+/g, ' ').trim().toLowerCase()}`;
  const question = record.question.replace(/\s+/g, ' ').trim().toLowerCase();
  const sql = record.sql
    .toLowerCase()
    .replaceAll('"', "'")
    .replace(/\s*([(),=<>*+\-/;])\s*/g, '$1')
    .replace(/\s+/g, ' ')
    .replace(/;+$/, '')
    .trim();
  return `${question}\u0000${sql}`;
}

export interface Deduplicator {
  /** `new` the first time an example is seen; otherwise whether the earlier copy came from the same source. */
  check(record: DatasetRecord): 'new' | 'duplicate-within-source' | 'duplicate-across-sources';
  readonly size: number;
}

/**
 * Remembers every example seen by a 96-bit hash of its key (12 bytes per example, not the text), so memory
 * stays small at millions of records; the first copy wins, so source order in the config is priority order.
 */
export function createDeduplicator(): Deduplicator {
  const seen = new Map<string, number>();
  const sources = new Map<string, number>();
  return {
    check(record) {
      const hash = createHash('sha1').update(deduplicationKey(record)).digest().toString('latin1', 0, 12);
      let source = sources.get(record.source);
      if (source === undefined) {
        source = sources.size;
        sources.set(record.source, source);
      }
      const first = seen.get(hash);
      if (first === undefined) {
        seen.set(hash, source);
        return 'new';
      }
      return first === source ? 'duplicate-within-source' : 'duplicate-across-sources';
    },
    get size() {
      return seen.size;
    },
  };
}
