// `pnpm lint`: Biome's format and lint check, knip (unused files, exports and dependencies), tsc on every package
// and app, then publint and @arethetypeswrong/cli on each publishable package (on the built dist: `pnpm build` first).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failures = 0;

function check(label, command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status === 0) {
    console.log(`ok   ${label}`);
  } else {
    failures += 1;
    console.log(`FAIL ${label}\n${output}\n`);
  }
}

const directories = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
    .map((entry) => join(root, group, entry.name)),
);

check('biome (format and lint)', bin('biome'), ['ci', '.'], root);
check('knip (unused files, exports and dependencies)', bin('knip'), ['--no-progress'], root);

for (const directory of directories) {
  const name = relative(root, directory);
  check(`tsc ${name}`, bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], directory);
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  check(`publint ${name}`, bin('publint'), ['--strict'], directory);
  check(`attw ${name}`, bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'ascii'], directory);
}

if (failures > 0) {
  console.log(`\nlint: ${failures} check(s) failed`);
  process.exit(1);
}
console.log('\nlint: all checks passed');
