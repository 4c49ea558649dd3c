import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputFolderMarker, prepareOutputFolder } from './prepare-output-folder.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-files-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('prepareOutputFolder', () => {
  it('creates a missing folder and marks it', async () => {
    const target = join(directory, 'demo');
    expect(await prepareOutputFolder({ directory: target, owner: 'aquila demo' })).toEqual({
      created: true,
      removed: 0,
    });
    expect(await readdir(target)).toEqual([outputFolderMarker]);
  });

  it('empties its own folder from an earlier run, and only its own', async () => {
    const target = join(directory, 'demo');
    await prepareOutputFolder({ directory: target, owner: 'aquila demo' });
    await writeFile(join(target, 'report.html'), 'old');
    await mkdir(join(target, 'model'));
    expect(await prepareOutputFolder({ directory: target, owner: 'aquila demo' })).toEqual({
      created: false,
      removed: 2,
    });
    expect(await readdir(target)).toEqual([outputFolderMarker]);
    await expect(prepareOutputFolder({ directory: target, owner: 'aquila convert' })).resolves.toBeDefined(); // only the marker: empty of work
  });

  it("refuses a folder holding someone's files and leaves them intact", async () => {
    await writeFile(join(directory, 'thesis.tex'), 'years of work');
    await expect(prepareOutputFolder({ directory, owner: 'aquila demo' })).rejects.toMatchObject({
      code: 'AQUILA_OUTPUT_FOLDER_NOT_OWNED',
      message: expect.stringContaining('thesis.tex'),
    });
    expect(await readFile(join(directory, 'thesis.tex'), 'utf8')).toBe('years of work');
    expect(await readdir(directory)).toEqual(['thesis.tex']);
  });

  it('empties a foreign folder only with force, and never the working folder', async () => {
    await writeFile(join(directory, 'scratch.txt'), 'x');
    await prepareOutputFolder({ directory, owner: 'aquila demo', force: true });
    expect(await readdir(directory)).toEqual([outputFolderMarker]);
    await writeFile(join(directory, 'scratch.txt'), 'x');
    await writeFile(join(directory, outputFolderMarker), '{"owner":"someone else"}');
    const cwd = process.cwd();
    process.chdir(directory);
    try {
      await expect(prepareOutputFolder({ directory: '.', owner: 'aquila demo', force: true })).rejects.toThrow(
        /never emptied/,
      );
    } finally {
      process.chdir(cwd);
    }
    expect(await readFile(join(directory, 'scratch.txt'), 'utf8')).toBe('x');
  });

  it('refuses a file given as the folder', async () => {
    await writeFile(join(directory, 'file'), 'x');
    await expect(
      prepareOutputFolder({ directory: join(directory, 'file'), owner: 'aquila demo' }),
    ).rejects.toMatchObject({ code: 'AQUILA_OUTPUT_PATH' });
  });
});
