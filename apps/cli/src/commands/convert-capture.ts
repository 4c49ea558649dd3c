import { PassThrough } from 'node:stream';
import type { CommandContext } from '../program.js';

/** A command context whose stdout and stderr are collected, for the convert, generate and pull tests. */
export function captureOutput(): CommandContext & { output: () => string; errors: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdout, stderr, output: () => out, errors: () => err };
}
