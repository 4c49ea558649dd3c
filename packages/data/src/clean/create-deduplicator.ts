import * as crypto from 'node:crypto';

// One-shot `crypto.hash` (Node ≥ 20.12) is several times cheaper per call than createHash; older 20.x falls back.
const sha1Base64: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'base64')
    : (text) => crypto.createHash('sha1').update(text).digest('base64');

import type { DatasetRecord } from '../sources/dataset-record.js';

/** A key that survives the differences between copies of one example: case, whitespace, quote style, semicolons. */
function deduplicationKey(record: DatasetRecord): string {
  if (record.task !== 'text-to-sql')
    return `text\u0000${(record.text ?? '').replace(/\s+/g, ' ').trim().toLowerCase()}`;
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
 * Remembers every example seen by a 96-bit hash of its key (16 base64 characters, not the text), so memory
 * stays small at millions of records; the first copy wins, so source order in the config is priority order.
 */
export function createDeduplicator(): Deduplicator {
  const seen = new Map<string, number>();
  const sources = new Map<string, number>();
  return {
    check(record) {
      const digest = sha1Base64(deduplicationKey(record)).slice(0, 16);
      let source = sources.get(record.source);
      if (source === undefined) {
        source = sources.size;
        sources.set(record.source, source);
      }
      const first = seen.get(digest);
      if (first === undefined) {
        seen.set(digest, source);
        return 'new';
      }
      return first === source ? 'duplicate-within-source' : 'duplicate-across-sources';
    },
    get size() {
      return seen.size;
    },
  };
}
