import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { moduleCommand } from '@aquila/files';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { spiderDatabase } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverScripts } from '../../../server/src/test-support/server-scripts.js';
import { runCommand } from '../test-support/capture-output.js';
import { registerServeCommand } from './serve.js';

let scripted: ScriptedModel;
beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: Object.values(serverScripts) });
});
afterAll(() => scripted?.remove());

describe('aquila serve', () => {
  it('rejects malformed flags before loading anything', async () => {
    await expect(runCommand(registerServeCommand, ['serve', '--model', 'x', '--db', 'shop.sqlite'])).rejects.toThrow(
      /give NAME=FILE.sqlite/,
    );
    await expect(runCommand(registerServeCommand, ['serve', '--model', 'x', '--port', 'http'])).rejects.toThrow(
      /port must be an integer ≥ 0/,
    );
  });

  it('drains on SIGTERM: refuses new connections, finishes a short stream, cancels a long one at the drain timeout, exits 0', async () => {
    // The real command in a child process, so the signal reaches a real process.
    const bin = moduleCommand({ from: import.meta.url, source: '../bin.ts' });
    const child = spawn(
      process.execPath,
      [
        ...bin.execArgv,
        bin.path,
        'serve',
        '--model',
        scripted.path,
        '--port',
        '0',
        '--parallel',
        '2',
        '--drain-timeout',
        '1000',
        '--db',
        `concert_singer=${spiderDatabase('concert_singer')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      await vi.waitFor(() => expect(stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/), {
        timeout: 90_000,
        interval: 100,
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string;
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const stream = async (maxTokens: number): Promise<{ text: Promise<string> }> => {
        const response = await fetch(`${url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: serverScripts.loop.after, max_tokens: maxTokens, stream: true }),
        });
        const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
        const first = await reader.read();
        const rest = (async () => {
          let text = first.value ?? '';
          for (let next = await reader.read(); !next.done; next = await reader.read()) text += next.value;
          return text;
        })();
        return { text: rest };
      };
      const [short, long] = await Promise.all([stream(40), stream(1900)]);
      child.kill('SIGTERM');
      await vi.waitFor(() => expect(fetch(`${url}/health`)).rejects.toThrow(), { timeout: 10_000, interval: 50 });
      const shortText = await short.text;
      expect(shortText).toMatch(/"finish_reason":"length"/);
      expect(shortText.endsWith('data: [DONE]\n\n')).toBe(true);
      const longText = await long.text;
      expect(longText).not.toMatch(/"finish_reason":"length"/);
      expect(longText).toMatch(/the server is shutting down/);
      expect(longText.endsWith('data: [DONE]\n\n')).toBe(true);
      const [code] = await exited;
      expect(code).toBe(0);
      expect(stdout).toMatch(/aquila serve: stopped\n$/);
      const events = stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).event);
      expect(events).toEqual(expect.arrayContaining(['listening', 'draining', 'drain-timeout', 'closed']));
      expect(events.at(-1)).toBe('closed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
