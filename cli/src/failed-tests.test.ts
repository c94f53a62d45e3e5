import { describe, expect, it } from 'vitest';
import { failedTestsText } from './failed-tests.js';

describe('the failed tests at the end of a run', () => {
  it('names each failed test with where and what it said, the flaky ones, and how many more', () => {
    expect(
      failedTestsText([
        { name: 'build' },
        {
          name: 'test',
          tests: {
            passed: 40,
            failed: 3,
            skipped: 1,
            failures: [
              {
                suite: 'auth',
                name: 'test_login',
                file: 'tests/a.py',
                line: 12,
                message: 'expected 200\nmore',
              },
              { suite: '', name: 'test_token' },
            ],
            flaky: ['auth > test_sso'],
          },
        },
      ]),
    ).toBe(
      '\ntest: flaky (failed, then passed on a retry): auth > test_sso\n\ntest: 3 of 44 tests failed\n  ✘ auth > test_login (tests/a.py:12): expected 200\n  ✘ test_token\n  … and 1 more\n',
    );
    expect(failedTestsText([{ name: 'build' }])).toBe('');
  });
});
