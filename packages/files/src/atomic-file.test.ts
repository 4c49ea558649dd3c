import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAtomicFile } from './atomic-file.js';
import { openAtomicWriteStream } from './atomic-write-stream.js';
import { moduleCommand } from './module-entry.js';
import { writeFileAtomic } from './write-file-atomic.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-files-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('atomic writes', () => {
  it('writeFileAtomic replaces a file whole and leaves no temporary file', async () => {
    const path = join(directory, 'out.txt');
    await writeFile(path, 'old');
    await writeFileAtomic({ path, data: 'new content' });
    expect(await readFile(path, 'utf8')).toBe('new content');
    expect(await readdir(directory)).toEqual(['out.txt']);
  });

  it('a failed write keeps the old file and removes the temporary one', async () => {
    const path = join(directory, 'out.txt');
    await writeFile(path, 'old');
    const controller = new AbortController();
    controller.abort();
    await expect(writeFileAtomic({ path, data: 'x'.repeat(1 << 20), signal: controller.signal })).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(directory)).toEqual(['out.txt']);
  });

  it('a stream appears under its name only on commit, and abort leaves nothing', async () => {
    const path = join(directory, 'lines.jsonl');
    const file = await openAtomicWriteStream({ path });
    file.stream.write('{"a":1}\n');
    expect(await readdir(directory)).not.toContain('lines.jsonl');
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
    const second = await openAtomicWriteStream({ path: join(directory, 'other.jsonl') });
    second.stream.write('partial');
    await second.abort();
    expect(await readdir(directory)).toEqual(['lines.jsonl']);
  });

  it('opening a stream in a missing folder fails without leaving anything', async () => {
    await expect(openAtomicWriteStream({ path: join(directory, 'missing', 'x.jsonl') })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('removes temporary files at process exit (a Ctrl-C turned into process.exit)', () => {
    const atomicFile = moduleCommand({ from: import.meta.url, source: './atomic-file.ts' });
    const script = `
      import { createAtomicFile } from ${JSON.stringify(atomicFile.path)};
      import { writeFileSync } from 'node:fs';
      const file = createAtomicFile({ path: ${JSON.stringify(join(directory, 'big.bin'))} });
      writeFileSync(file.temporaryPath, 'half written');
      process.exit(130);`;
    const child = spawnSync(process.execPath, [...atomicFile.execArgv, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.status).toBe(130);
    return readdir(directory).then((entries) => expect(entries).toEqual([]));
  });

  it('createAtomicFile names its temporary file beside the target, hidden', () => {
    const file = createAtomicFile({ path: join(directory, 'model.onnx') });
    expect(file.temporaryPath.startsWith(join(directory, '.model.onnx.'))).toBe(true);
    return file.abort();
  });
});

describe('openAtomicWriteStream failures', () => {
  it('keeps a write failure for write and commit instead of crashing, and leaves no file', async () => {
    const path = join(directory, 'out.jsonl');
    const file = await openAtomicWriteStream({ path });
    await file.write('first line\n');
    file.stream.destroy(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(file.write('second line\n')).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(file.commit()).rejects.toMatchObject({ code: 'ENOSPC' });
    await file.abort();
    expect(await readdir(directory)).toEqual([]);
  });
});

describe('targets that are not plain files', () => {
  it('writes a device in place instead of renaming over it', async () => {
    await writeFileAtomic({ path: '/dev/null', data: 'discarded' });
    const { statSync } = await import('node:fs');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const stream = await openAtomicWriteStream({ path: '/dev/null' });
    await stream.write('discarded too');
    await stream.commit();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes through a symbolic link to the file it names, keeping the link', async () => {
    const { lstat, symlink } = await import('node:fs/promises');
    const real = join(directory, 'real.html');
    const link = join(directory, 'link.html');
    await writeFile(real, 'old');
    await symlink(real, link);
    await writeFileAtomic({ path: link, data: 'new' });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe('new');
    expect((await readdir(directory)).sort()).toEqual(['link.html', 'real.html']);
  });
});
