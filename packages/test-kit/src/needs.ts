import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What a test needs from the machine beside Node. */
export interface MachineNeeds {
  /** python3 on PATH. */
  python?: boolean;
  /** python3 with numpy (the cross-checks against numpy's own output). */
  numpy?: boolean;
  /** python3 with PyYAML. */
  pyYaml?: boolean;
  /** Chromium at /usr/bin/chromium (driven headless). */
  chromium?: boolean;
  /** Processes listed under /proc (Linux). */
  processList?: boolean;
}

export interface MachineCheck {
  /** True when something the test needs is missing: the flag for `it.skipIf`. */
  skip: boolean;
  /** What the test needs, `[needs python3 with numpy]`: put it in the test's name so a skip says why in the summary. */
  label: string;
}

const pythonRuns = (args: string[]): boolean => spawnSync('python3', args, { stdio: 'ignore' }).status === 0;

const requirements: Record<keyof MachineNeeds, { what: string; present: () => boolean }> = {
  python: { what: 'python3', present: () => pythonRuns(['--version']) },
  numpy: { what: 'python3 with numpy', present: () => pythonRuns(['-c', 'import numpy']) },
  pyYaml: { what: 'python3 with PyYAML', present: () => pythonRuns(['-c', 'import yaml']) },
  chromium: { what: 'Chromium at /usr/bin/chromium', present: () => existsSync('/usr/bin/chromium') },
  processList: { what: 'a process list in /proc', present: () => existsSync('/proc/self/stat') },
};

/**
 * Checks the machine for what a test needs: `const numpy = needs({ numpy: true });` then
 * `it.skipIf(numpy.skip)(\`agrees with numpy ${numpy.label}\`, …)`.
 */
export function needs(options: MachineNeeds): MachineCheck {
  const wanted = (Object.keys(requirements) as (keyof MachineNeeds)[]).filter((name) => options[name] === true);
  return {
    skip: wanted.some((name) => !requirements[name].present()),
    label: `[needs ${wanted.map((name) => requirements[name].what).join(', ')}]`,
  };
}
