// `node scripts/consumer-test.mjs [--keep]`: the published packages as a user gets them. Packs every public
// package and app (`pnpm pack` turns workspace:^ into versions), installs the tarballs with npm into an empty
// project, runs each package README's first runnable ```ts example there with tsx, and runs the packed CLI
// (`npx aquila --version`, a tiny `npx aquila demo`) in an empty folder. Run it after `pnpm build`.
//
// A README marks a block that cannot run on its own with `<!-- not runnable: <reason> -->` on the line before
// it; the next ```ts block counts then. A package with no entry point (the CLI: a bin only) is checked through
// its bin instead. One line per check, a summary, exit 1 on any failure; every child process has a wall-clock
// limit. The temporary folder is removed when all passed (kept with --keep, or when a check failed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = rootManifest.packageManager.split('@')[1];
const keep = process.argv.includes('--keep');
const minute = 60_000;

// As scripts/run.mjs: onnxruntime-node's installer would download CUDA files, and better-sqlite3 compiles
// against the installed Node headers where there are some instead of downloading them.
const environment = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' };
if (!environment.npm_config_nodedir && existsSync('/usr/include/node/node.h')) environment.npm_config_nodedir = '/usr';

const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(130);
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs a command in its own process group, killed with its children after `timeoutMs`; output kept in memory and, with `log`, in that file. */
function runChild(command, args, { cwd, timeoutMs, log }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: environment, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let output = '';
    const collect = (chunk) => {
      output += chunk;
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const finish = (status, error) => {
      clearTimeout(timer);
      running.delete(child);
      if (log !== undefined) writeFileSync(log, output);
      if (error !== undefined) output += `\n${error.message}`;
      resolve({ status, timedOut, output, seconds: (Date.now() - started) / 1000 });
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (status) => finish(status));
  });
}

let passed = 0;
let failed = 0;

function report(label, ok, detail = '') {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail === '' ? '' : `\n${detail}`}`);
}

function tail(text, lines = 40) {
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `     ${line}`)
    .join('\n');
}

/** One child's verdict: passed when it exits 0 in time and `check` (given its output) returns nothing. */
function reportRun(label, result, check = () => undefined) {
  const seconds = `${result.seconds.toFixed(1)} s`;
  if (result.timedOut) return report(`${label} (stopped after ${seconds})`, false, tail(result.output));
  if (result.status !== 0) return report(`${label} (exit ${result.status}, ${seconds})`, false, tail(result.output));
  const problem = check(result.output);
  report(`${label} (${seconds})`, problem === undefined, problem === undefined ? '' : `     ${problem}`);
}

function publicPackages() {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
      .map((entry) => {
        const directory = join(root, group, entry.name);
        return { directory, manifest: JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) };
      })
      .filter(({ manifest }) => manifest.private !== true),
  );
}

/** The first ```ts block of a README not marked `<!-- not runnable: reason -->`, and the reasons of those skipped. */
function firstRunnableExample(readme) {
  const lines = readme.split(/\r?\n/);
  const skipped = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = /^(`{3,})(\w*)\s*$/.exec(lines[index]);
    if (fence === null) continue;
    const end = lines.findIndex((line, at) => at > index && line.trimEnd() === fence[1]);
    if (end === -1) break;
    if (fence[2] === 'ts' || fence[2] === 'typescript') {
      const before = lines.slice(0, index).findLast((line) => line.trim() !== '') ?? '';
      const marker = /^<!--\s*not runnable:\s*(.+?)\s*-->$/.exec(before.trim());
      if (marker === null) return { code: lines.slice(index + 1, end).join('\n'), skipped };
      skipped.push(marker[1]);
    }
    index = end;
  }
  return { code: undefined, skipped };
}

async function main() {
  const packages = publicPackages();
  const folder = mkdtempSync(join(tmpdir(), 'aquila-consumer-'));
  const tarballs = join(folder, 'tarballs');
  const project = join(folder, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  console.log(`consumer test: ${packages.length} public packages, in ${folder}`);

  // Pack what `pnpm build` left in each dist, with the pinned pnpm (the one on PATH when it is that version).
  const pnpmOnPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).stdout?.trim();
  const pnpm = pnpmOnPath === pnpmVersion ? ['pnpm'] : ['npx', '--yes', `pnpm@${pnpmVersion}`];
  for (const { directory, manifest } of packages) {
    const label = `pack ${manifest.name}`;
    if (!existsSync(join(directory, 'dist'))) {
      report(label, false, `     ${relative(root, directory)}/dist is missing: run pnpm build first`);
      continue;
    }
    const result = await runChild(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], {
      cwd: directory,
      timeoutMs: 2 * minute,
    });
    reportRun(label, result);
  }
  // A package that did not pack would come from the registry instead, as someone else's package or none.
  if (failed > 0) return finish(folder);
  const packed = readdirSync(tarballs).filter((name) => name.endsWith('.tgz'));

  // Install as a user would: the tarballs and tsx into an empty npm project (third-party packages from the registry).
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'aquila-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  const installLog = join(folder, 'npm-install.log');
  const install = await runChild(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      ...packed.map((name) => join(tarballs, name)),
      `tsx@${rootManifest.devDependencies.tsx}`,
    ],
    { cwd: project, timeoutMs: 40 * minute, log: installLog },
  );
  reportRun(`npm install of ${packed.length} tarballs and tsx (log: ${installLog})`, install);
  if (install.status !== 0 || install.timedOut) return finish(folder);

  // Each library's README example, as an ES module in a folder of its own (examples may write files).
  const tsx = join(project, 'node_modules', '.bin', 'tsx');
  for (const { directory, manifest } of packages) {
    if (manifest.exports === undefined && manifest.main === undefined) continue; // a bin only: checked below
    const label = `${manifest.name} README example`;
    const readmeFile = join(directory, 'README.md');
    const { code, skipped } = firstRunnableExample(existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : '');
    const marked = skipped.length === 0 ? '' : ` (${skipped.length} block(s) marked not runnable)`;
    if (code === undefined) {
      report(label, false, `     ${relative(root, readmeFile)} has no runnable \`\`\`ts example${marked}`);
      continue;
    }
    const exampleDirectory = join(project, 'examples', manifest.name.replace(/^@/, '').replace('/', '-'));
    mkdirSync(exampleDirectory, { recursive: true });
    writeFileSync(join(exampleDirectory, 'example.mts'), `${code}\n`);
    const result = await runChild(tsx, ['example.mts'], { cwd: exampleDirectory, timeoutMs: 5 * minute });
    reportRun(`${label}${marked}`, result);
  }

  // The packed CLI from an empty folder inside the project: npx finds the installed bin (--no: never a download).
  const cli = packages.find(({ manifest }) => manifest.bin?.aquila !== undefined);
  if (cli === undefined) {
    report('aquila bin', false, '     no public package has a bin named aquila');
    return finish(folder);
  }
  const empty = join(project, 'empty');
  mkdirSync(empty);
  const version = await runChild('npx', ['--no', '--', 'aquila', '--version'], { cwd: empty, timeoutMs: 2 * minute });
  reportRun('npx aquila --version', version, (output) =>
    output.trim() === cli.manifest.version ? undefined : `printed '${output.trim()}', expected ${cli.manifest.version}`,
  );
  const demo = await runChild(
    'npx',
    ['--no', '--', 'aquila', 'demo', '--out', 'demo', '--steps', '1', '--questions', '1', '--max-new-tokens', '1'],
    { cwd: empty, timeoutMs: 10 * minute },
  );
  reportRun('npx aquila demo --steps 1 --questions 1 --max-new-tokens 1', demo, () =>
    existsSync(join(empty, 'demo', 'report.html')) ? undefined : 'exited 0 but wrote no demo/report.html',
  );
  return finish(folder);
}

function finish(folder) {
  const kept = keep || failed > 0;
  if (!kept) rmSync(folder, { recursive: true, force: true });
  console.log(`consumer test: ${passed} passed, ${failed} failed${kept ? ` (files kept in ${folder})` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
