import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { moduleCommand } from '@aquila/files';
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
    await expect(program.parseAsync(['node', 'aquila', '--version'])).rejects.toMatchObject({
      code: 'commander.version',
    });
    expect(stdout.text().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = capture();
    const again = createProgram({ stdout: help.stream, stderr: help.stream }).exitOverride();
    await expect(again.parseAsync(['node', 'aquila', '--help'])).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
    for (const command of [
      'demo',
      'data',
      'tokenize',
      'train',
      'convert',
      'generate',
      'pull',
      'eval',
      'sql',
      'serve',
      'predict',
      'vote',
    ])
      expect(help.text()).toContain(command);
  });

  it('rejects an unknown command with a clear message', async () => {
    const stderr = capture();
    const program = createProgram({ stdout: stderr.stream, stderr: stderr.stream }).exitOverride();
    await expect(program.parseAsync(['node', 'aquila', 'no-such-command'])).rejects.toMatchObject({ exitCode: 1 });
    expect(stderr.text()).toContain("unknown command 'no-such-command'");
  });

  it('loads no @aquila package to build the program, print its version or render any help', async () => {
    // A child node with a resolve hook that refuses every @aquila/* specifier, so importing program.ts (through tsx),
    // building the command tree, rendering every command's help and --version fail if any of them loads a package.
    const refuse = `export async function resolve(specifier, context, next) { if (specifier.startsWith('@aquila/')) throw new Error('loaded ' + specifier); return next(specifier, context); }`;
    const hooks = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(refuse)}`)});`;
    const programModule = moduleCommand({ from: import.meta.url, source: './program.ts' });
    const script = `
      const { createProgram } = await import(${JSON.stringify(programModule.path)});
      const sink = new (await import('node:stream')).PassThrough().resume();
      const program = createProgram({ stdout: sink, stderr: sink }).exitOverride();
      const help = (command) => [command.helpInformation(), ...command.commands.flatMap(help)];
      const pages = help(program).length;
      await program.parseAsync(['node', 'aquila', '--version']).catch((error) => { if (error.code !== 'commander.version') throw error; });
      const refused = await import('@aquila/errors').then(() => false, (error) => error.message.includes('loaded @aquila/errors'));
      console.log(JSON.stringify({ pages, refused }));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      ...programModule.execArgv,
      '--import',
      `data:text/javascript,${encodeURIComponent(hooks)}`,
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(JSON.parse(stdout)).toEqual({ pages: expect.any(Number), refused: true });
    expect(JSON.parse(stdout).pages).toBeGreaterThan(15);
  });
});
