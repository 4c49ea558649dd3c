// Properties of readTextLines, run in a worker with a wall-clock limit (read-text-lines.test.ts).
import fc from 'fast-check';
import { BadLinePolicy } from './bad-lines.js';
import { readTextLines } from './read-text-lines.js';

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts.map((value) => value % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

/** The reference: split the bytes on \n, drop one trailing \r, decode each strictly; the last empty piece is no line. */
function reference(bytes: Uint8Array): { lines: { text: string; line: number }[]; bad: number[] } {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (let index = 0; index < bytes.length; index += 1) {
    if (bytes[index] === 0x0a) {
      pieces.push(bytes.subarray(start, index));
      start = index + 1;
    }
  }
  if (start < bytes.length) pieces.push(bytes.subarray(start));
  const lines: { text: string; line: number }[] = [];
  const bad: number[] = [];
  pieces.forEach((piece, index) => {
    const body = piece.length > 0 && piece[piece.length - 1] === 0x0d ? piece.subarray(0, piece.length - 1) : piece;
    try {
      let text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
      if (index === 0 && text.startsWith('\ufeff')) text = text.slice(1);
      lines.push({ text, line: index + 1 });
    } catch {
      bad.push(index + 1);
    }
  });
  return { lines, bad };
}

const textish = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('\n', '\r\n', '\r', '\ufeff', '')), {
    maxLength: 12,
  })
  .map((parts) => new TextEncoder().encode(parts.join('')));
const bytes = fc.oneof(
  textish,
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(textish, fc.uint8Array({ maxLength: 4 }), textish).map(([a, b, c]) => Uint8Array.from([...a, ...b, ...c])),
);

export async function linesEqualTheReference(): Promise<void> {
  await fc.assert(
    fc.asyncProperty(bytes, fc.array(fc.nat(), { maxLength: 6 }), async (input, cuts) => {
      const expected = reference(input);
      const policy = new BadLinePolicy({ skip: true, keep: 1000 });
      const lines: { text: string; line: number }[] = [];
      for await (const line of readTextLines({ input: chunked(input, cuts), badLines: policy })) lines.push(line);
      if (JSON.stringify(lines) !== JSON.stringify(expected.lines))
        throw new Error(`lines ${JSON.stringify(lines)} ≠ ${JSON.stringify(expected.lines)}`);
      if (JSON.stringify(policy.first.map(({ line }) => line)) !== JSON.stringify(expected.bad))
        throw new Error('bad lines differ');
    }),
    { numRuns: 5000 },
  );
}
