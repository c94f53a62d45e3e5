import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * examples/build-test-deploy, which the docs show running unchanged under `dockercise run`, the
 * local server and a hosted run; a test in each mode runs it and expects the same of every step.
 */
const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/build-test-deploy', import.meta.url));

/** The example's files, to commit into a repository of a test's own. */
export function exampleFiles(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(EXAMPLE_DIR).map((name) => [name, readFileSync(`${EXAMPLE_DIR}/${name}`, 'utf8')]),
  );
}

/** What each step prints, run once (its cache empty) on `main` at `commit`, approved. */
export function exampleLogs(commit: string, event: string): Record<string, string[]> {
  return {
    build: ['cache: empty', `app 1.0 of ${commit}`],
    test: ['tests passed on main'],
    deploy: [`deploying app 1.0 of ${commit} (${event})`],
  };
}
