import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutputPaths } from './check-output-paths.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-files-'));
  await writeFile(join(directory, 'in.jsonl'), '{}\n');
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const input = () => ({ path: join(directory, 'in.jsonl'), label: '--input' });

describe('checkOutputPaths', () => {
  it('accepts a new file in an existing folder, and an existing file that is no input', async () => {
    await checkOutputPaths({ outputs: [{ path: join(directory, 'out.jsonl'), label: '--output' }], inputs: [input()] });
    await writeFile(join(directory, 'old.jsonl'), 'x');
    await checkOutputPaths({ outputs: [{ path: join(directory, 'old.jsonl'), label: '--output' }], inputs: [input()] });
  });

  it('refuses the input itself, by another spelling, a symlink and a hard link', async () => {
    await symlink(join(directory, 'in.jsonl'), join(directory, 'soft.jsonl'));
    await link(join(directory, 'in.jsonl'), join(directory, 'hard.jsonl'));
    for (const path of [
      join(directory, 'in.jsonl'),
      join(directory, '.', 'sub', '..', 'in.jsonl'),
      join(directory, 'soft.jsonl'),
      join(directory, 'hard.jsonl'),
    ]) {
      await expect(
        checkOutputPaths({ outputs: [{ path, label: '--output' }], inputs: [input()] }),
      ).rejects.toMatchObject({
        code: 'AQUILA_OUTPUT_IS_INPUT',
        message: expect.stringContaining('is also the input (--input'),
      });
    }
  });

  it('refuses a folder, a missing folder, a file as folder, and one path named twice', async () => {
    await mkdir(join(directory, 'folder'));
    const cases: [string, RegExp][] = [
      [join(directory, 'folder'), /is a folder/],
      [join(directory, 'missing', 'out.html'), /the folder .*missing does not exist/],
      [join(directory, 'in.jsonl', 'out.html'), /is not a folder/],
    ];
    for (const [path, message] of cases) {
      await expect(checkOutputPaths({ outputs: [{ path, label: '--html' }] })).rejects.toMatchObject({
        code: 'AQUILA_OUTPUT_PATH',
        message: expect.stringMatching(message),
      });
    }
    const twice = join(directory, 'same.json');
    await expect(
      checkOutputPaths({
        outputs: [
          { path: twice, label: '--json' },
          { path: twice, label: '--per-item' },
        ],
      }),
    ).rejects.toThrow(/give each output its own path/);
  });
});
