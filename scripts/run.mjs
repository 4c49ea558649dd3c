// Entry point of the README's quick start: `npm run demo`, `npm test` and `npm run aquila` work on a machine with
// only Node 20 and npm. Installs the workspace with the pinned pnpm and builds it when needed, then runs the task.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const task = process.argv[2];
const taskArguments = process.argv.slice(3);

// Native addons build from source when no prebuilt binary can be downloaded: use the installed Node
// headers where there are some; onnxruntime-node's installer would otherwise try to download CUDA files.
const environment = { ONNXRUNTIME_NODE_INSTALL: 'skip', ...process.env };
if (!environment.npm_config_nodedir && existsSync('/usr/include/node/node.h')) environment.npm_config_nodedir = '/usr';

// With `log`, the output goes to that file instead of the terminal, and its last lines are shown on failure.
function run(command, args, log) {
  const output = log === undefined ? 'inherit' : openSync(log, 'w');
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: log === undefined ? 'inherit' : ['ignore', output, output],
    env: environment,
    shell: process.platform === 'win32',
  });
  if (log !== undefined) closeSync(output);
  if (result.error) throw result.error;
  if (result.status === 0) return;
  if (log !== undefined) {
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    console.error(
      `${lines.slice(-30).join('\n')}\n\nscripts/run.mjs: ${command} ${args.join(' ')} failed; its whole output is in ${relative(process.cwd(), log) || log}`,
    );
  }
  process.exit(result.status ?? 1);
}

function pnpm(args, log) {
  const userAgent = process.env.npm_config_user_agent ?? '';
  if (userAgent.startsWith(`pnpm/${pnpmVersion}`) && process.env.npm_execpath)
    run(process.execPath, [process.env.npm_execpath, ...args], log);
  else run('npx', ['--yes', `pnpm@${pnpmVersion}`, ...args], log);
}

// Install and build logs: kept out of the terminal (better-sqlite3's compile prints pages of compiler warnings).
const logDirectory = join(root, 'node_modules', '.cache', 'aquila');
function logFile(name) {
  mkdirSync(logDirectory, { recursive: true });
  return join(logDirectory, name);
}

function workspaceDirectories() {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
      .map((entry) => join(root, group, entry.name)),
  );
}

// Modification times of the files below a folder, but those named like `skip` (none when it is missing).
function fileTimes(directory, skip = /^$/) {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !skip.test(entry.name))
    .map((entry) => statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
}

// Build when a dist is missing or older than its sources, so the demo never runs yesterday's code.
function needsBuild(directory) {
  const built = fileTimes(join(directory, 'dist'));
  if (built.length === 0) return true;
  const sources = [
    ...fileTimes(join(directory, 'src'), /\.test\.ts$/),
    statSync(join(directory, 'package.json')).mtimeMs,
  ];
  return Math.max(...sources) > Math.min(...built);
}

if (!existsSync(join(root, 'node_modules', '.modules.yaml'))) {
  console.error(
    `first install: the workspace's packages with pnpm ${pnpmVersion}, compiling better-sqlite3 where no prebuilt binary downloads (a few minutes)…`,
  );
  pnpm(['install', '--frozen-lockfile', '--reporter=append-only'], logFile('install.log'));
}
if (workspaceDirectories().some(needsBuild)) {
  console.error('building the workspace (tsup)…');
  pnpm(['build'], logFile('build.log'));
}

switch (task) {
  case 'test':
    // Vitest runs straight from node_modules, not through `npx pnpm exec`, which puts Node's own folder first
    // on PATH and so hides the user's python3 (the numpy cross-checks need the one with numpy).
    run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...taskArguments]);
    break;
  case 'demo':
    run(process.execPath, [join(root, 'apps/cli/dist/bin.js'), 'demo', ...taskArguments]);
    break;
  case 'aquila':
    run(process.execPath, [join(root, 'apps/cli/dist/bin.js'), ...taskArguments]);
    break;
  default:
    console.error(`scripts/run.mjs: unknown task '${task}'; use 'test', 'demo' or 'aquila'.`);
    process.exit(2);
}
