import type { StepResult } from '@dockercise/shared';

/**
 * The tests the steps' JUnit reports say failed (and those flaky on a retry), for the end of a run's
 * output, where a terminal shows them last: `dockercise run` and `trigger --wait` alike. Empty when
 * no report names any.
 */
export function failedTestsText(steps: readonly Pick<StepResult, 'name' | 'tests'>[]): string {
  let out = '';
  for (const step of steps) {
    const tests = step.tests;
    if (tests?.flaky?.length)
      out += `\n${step.name}: flaky (failed, then passed on a retry): ${tests.flaky.join(', ')}\n`;
    if (!tests || tests.failed === 0) continue;
    out += `\n${step.name}: ${tests.failed} of ${tests.passed + tests.failed + tests.skipped} tests failed\n`;
    for (const f of tests.failures) {
      const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '';
      const said = f.message ? `: ${f.message.split('\n')[0]}` : '';
      out += `  ✘ ${f.suite ? `${f.suite} > ` : ''}${f.name}${where}${said}\n`;
    }
    if (tests.failed > tests.failures.length) out += `  … and ${tests.failed - tests.failures.length} more\n`;
  }
  return out;
}
