import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function collect(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('createProgress', () => {
  it('writes plain lines with percentage off a TTY', () => {
    const output = collect(false);
    const progress = createProgress({ label: 'eval', stream: output.stream, lineIntervalMs: 0 });
    progress.update(5, 10);
    progress.finish();
    const lines = output.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^eval 50% 5\/10 /);
    expect(output.text()).not.toContain('\r');
  });

  it('redraws one bar on a TTY', () => {
    const output = collect(true);
    const progress = createProgress({ label: 'eval', stream: output.stream });
    progress.update(10, 10);
    progress.finish();
    expect(output.text()).toContain('\r');
    expect(output.text()).toMatch(/\[#+\] 100% 10\/10/);
    expect(output.text().endsWith('\n')).toBe(true);
  });

  it('counts without a total', () => {
    const output = collect(false);
    const progress = createProgress({ label: 'read', stream: output.stream, unit: 'records' });
    progress.update(42);
    progress.finish();
    expect(output.text()).toContain('read 42 records');
  });
});
