import { readFileSync } from 'node:fs';

/**
 * From the agent's package.json: two folders above this file in src/ and dist/, one above the
 * single-file bundle that hosts run (dist/agent.mjs in the tarball).
 */
export function agentVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@dockercise/agent' && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}
