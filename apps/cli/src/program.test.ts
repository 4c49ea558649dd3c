import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

describe('aquila program', () => {
  it('prints its version and help', async () => {
    const stdout = capture();
    const program = createProgram({ stdout: stdout.stream, stderr: stdout.stream }).exitOverride();
    await expect(program.parseAsync(['node', 'aquila', '--version'])).rejects.toMatchObject({ code: 'commander.version' });
    expect(stdout.text().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = capture();
    const again = createProgram({ stdout: help.stream, stderr: help.stream }).exitOverride();
    await expect(again.parseAsync(['node', 'aquila', '--help'])).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    for (const command of ['demo', 'data', 'tokenize', 'train', 'convert', 'generate', 'pull', 'eval', 'sql', 'serve', 'predict']) expect(help.text()).toContain(command);
  });

  it('rejects an unknown command with a clear message', async () => {
    const stderr = capture();
    const program = createProgram({ stdout: stderr.stream, stderr: stderr.stream }).exitOverride();
    await expect(program.parseAsync(['node', 'aquila', 'no-such-command'])).rejects.toMatchObject({ exitCode: 1 });
    expect(stderr.text()).toContain("unknown command 'no-such-command'");
  });
});
