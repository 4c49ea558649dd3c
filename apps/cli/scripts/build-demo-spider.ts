// Builds assets/spider-demo: the Spider dev questions `aquila demo` answers on embedded defaults, with their
// databases and schemas, so the demo runs with nothing beside the package. The demo spreads its 20 questions
// evenly over dev; each pick comes with the next two questions, which the demo takes instead when a prompt
// does not fit the tiny model's context. Run: pnpm exec tsx scripts/build-demo-spider.ts [spider-dev folder]
// (default: the Spider dev fixture the tests read, in @aquila/test-kit).
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spiderDirectory } from '@aquila/test-kit';

const source = process.argv[2] ?? spiderDirectory;
const target = fileURLToPath(new URL('../assets/spider-demo/', import.meta.url));
const picks = 20;
const alternatives = 2;

type Question = { db_id: string };
const dev = JSON.parse(readFileSync(join(source, 'dev.json'), 'utf8')) as Question[];
const tables = JSON.parse(readFileSync(join(source, 'tables.json'), 'utf8')) as { db_id: string }[];
const present = dev.filter(
  ({ db_id: database }) =>
    existsSync(join(source, 'database', database, `${database}.sqlite`)) &&
    tables.some((entry) => entry.db_id === database),
);
const chosen: Question[] = [];
for (let index = 0; index < picks; index += 1) {
  const first = Math.floor((index * present.length) / picks);
  chosen.push(...present.slice(first, first + 1 + alternatives));
}
const databases = [...new Set(chosen.map(({ db_id: database }) => database))].sort();
rmSync(target, { recursive: true, force: true });
for (const database of databases) {
  mkdirSync(join(target, 'database', database), { recursive: true });
  copyFileSync(
    join(source, 'database', database, `${database}.sqlite`),
    join(target, 'database', database, `${database}.sqlite`),
  );
}
writeFileSync(join(target, 'dev.json'), `${JSON.stringify(chosen, null, 1)}\n`);
writeFileSync(
  join(target, 'tables.json'),
  `${JSON.stringify(
    tables.filter((entry) => databases.includes(entry.db_id)),
    null,
    1,
  )}\n`,
);
writeFileSync(
  join(target, 'README.md'),
  `# Spider dev, the demo's subset\n\n${chosen.length} questions of the Spider dev set (Yu et al., 2018; CC BY-SA 4.0) and the ${databases.length} databases they ask\n` +
    '(`database/<db_id>/<db_id>.sqlite`, byte for byte) with their `tables.json` entries: what `aquila demo` answers on\n' +
    'embedded defaults. Made by `scripts/build-demo-spider.ts` from the full dev set; `aquila demo --spider DIR` takes the\n' +
    'whole set instead.\n\nLicence: Creative Commons Attribution-ShareAlike 4.0 International (https://creativecommons.org/licenses/by-sa/4.0/).\n',
);
console.log(`${chosen.length} questions, ${databases.length} databases → ${target}`);
