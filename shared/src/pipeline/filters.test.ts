import { describe, expect, it } from 'vitest';
import { globMatches, matchesFilters } from './filters.js';

describe('filters', () => {
  it('matches globs: * within a path segment, ** across them, ? one character', () => {
    expect(globMatches('release/*', 'release/1.2')).toBe(true);
    expect(globMatches('release/*', 'release/1/2')).toBe(false);
    expect(globMatches('src/**', 'src/a/b.ts')).toBe(true);
    expect(globMatches('src/**/*.ts', 'src/b.ts')).toBe(true);
    expect(globMatches('v?.0', 'v2.0')).toBe(true);
    expect(globMatches('package.json', 'package-json')).toBe(false);
  });

  it('needs every filter to match: branch, event, and any changed path; unknown changes match', () => {
    const when = [{ branch: ['main'] }, { event: ['push' as const], paths: ['src/**'] }];
    expect(matchesFilters(when, { branch: 'main', event: 'push', changed: ['src/x.ts'] })).toBe(true);
    expect(matchesFilters(when, { branch: 'main', event: 'push', changed: ['docs/x.md'] })).toBe(false);
    expect(matchesFilters(when, { branch: 'main', event: 'push' })).toBe(true);
    expect(matchesFilters(when, { branch: 'dev', event: 'push' })).toBe(false);
    expect(matchesFilters(when, { event: 'push' })).toBe(false);
    expect(matchesFilters([], { event: 'manual' })).toBe(true);
  });
});
