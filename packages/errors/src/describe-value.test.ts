import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it('quotes and cuts strings, shows numbers and short number lists, counts containers', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue('x'.repeat(100), 5)).toBe('"xxxxx"…');
    expect(describeValue(3)).toBe('3');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 2, 3])).toBe('[1, 2, 3]');
    expect(describeValue(['a'])).toBe('an array of 1 item');
    expect(describeValue(new Map([[1, 2]]))).toBe('a dict of 1 item');
    expect(describeValue({ a: 1 })).toBe('an object');
  });

  it('does not recurse, so a value nested a million deep is described at once', () => {
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`) as unknown;
    expect(describeValue(deep)).toBe('an array of 1 item');
  });
});
