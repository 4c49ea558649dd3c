import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { needs } from './needs.js';

describe('needs', () => {
  it('names every need in the label, in a fixed order', () => {
    expect(needs({ processList: true, chromium: true }).label).toBe(
      '[needs Chromium at /usr/bin/chromium, a process list in /proc]',
    );
  });

  it('skips when something needed is missing, and only then', () => {
    expect(needs({ processList: true }).skip).toBe(!existsSync('/proc/self/stat'));
    expect(needs({ chromium: true }).skip).toBe(!existsSync('/usr/bin/chromium'));
  });
});
