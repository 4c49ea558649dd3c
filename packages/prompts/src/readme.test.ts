import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readmeExampleFolder } from '@aquila/test-kit';
import { expect, it, vi } from 'vitest';

it('the README example runs as written and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  // The first TypeScript block; its fence is longer than the ``` in its comments.
  const example = /^(`{3,})ts\n([\s\S]*?)^\1$/m.exec(readme)?.[2];
  expect(example).toContain("from '@aquila/prompts'");
  // The example runs as a module of its own; `@aquila/prompts` resolves to this package's sources.
  const folder = await readmeExampleFolder('prompts');
  const directory = folder.directory;
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
    printed.push(values.join(' '));
  });
  try {
    await writeFile(join(directory, 'example.ts'), example as string);
    await import(join(directory, 'example.ts'));
  } finally {
    log.mockRestore();
    await folder.remove();
  }
  expect(printed).toEqual([
    '有多个数据库表，信息如下：\n表名为singer，包含的属性为singer.singer_id,singer.name,singer.age;表名为concert，包含的属性为concert.concert_id,concert.year,concert.singer_id，它们之间的关系为 concert.singer_id = singer.singer_id\n请为下面的问题编写sql查询语句：\nHow many concerts has each singer given? ',
    '根据数据库信息和问题生成如下查询语句:\n```sql\n SELECT count(*) FROM concert\n```\n您可以使用该语句进行查询。',
  ]);
  // The comments under each console.log show the printed lines (without the prompt's final space).
  const commented = (example as string).match(/^\/\/ .*$/gm)?.map((line) => line.slice(3)) ?? [];
  for (const line of printed.join('\n').split('\n')) expect(commented).toContain(line.trimEnd());
});
