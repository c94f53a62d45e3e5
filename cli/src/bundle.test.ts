import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built bundle (npm run build makes it before the tests): what each command loads before it
// runs is what its start-up costs, so these pin which packages are in it.
const BUNDLE = fileURLToPath(new URL('../dist/bundle/', import.meta.url));

/** The bundled packages a file and everything it imports statically hold (esbuild's `// path` comments). */
function staticallyLoaded(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  const text = readFileSync(BUNDLE + file, 'utf8');
  for (const [, name] of text.matchAll(/^\/\/ \.\.\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm))
    if (name) packages.add(name);
  for (const [, spec] of text.matchAll(/^import\s(?:[^;"]*?from\s*)?"([^"]+)";$/gm)) {
    if (!spec) continue;
    if (spec.startsWith('./')) {
      const next = (file.includes('/') ? 'chunks/' : '') + spec.slice(2);
      for (const p of staticallyLoaded(next, seen)) packages.add(p);
    } else if (!spec.startsWith('node:')) packages.add(`external ${spec}`);
  }
  return packages;
}

function commandChunk(command: string): string {
  const chunk = readdirSync(`${BUNDLE}chunks`).find((f) => f.startsWith(`${command}-command-`));
  if (!chunk) throw new Error(`no chunk for ${command} in ${BUNDLE}: run npm run build`);
  return `chunks/${chunk}`;
}

describe('the dockercise bundle', () => {
  it('starts with the command line alone: --version and --help load no command', () => {
    expect([...staticallyLoaded('main.js')]).toEqual(['commander']);
  });

  it('validates with the language alone: no zod, no Docker client, no AWS SDK', () => {
    const loaded = staticallyLoaded(commandChunk('validate'));
    expect([...loaded].sort()).toEqual(['yaml']);
  });

  it('runs without the AWS SDK, and leaves dockerode’s SSH and BuildKit parts out', () => {
    const loaded = [...staticallyLoaded(commandChunk('run'))];
    expect(loaded).toEqual(expect.arrayContaining(['dockerode', 'docker-modem', 'yaml', 'zod']));
    expect(loaded.filter((p) => /^@aws-sdk|^@smithy|ssh2|grpc|protobufjs/.test(p))).toEqual([]);
  });

  it('keeps the control plane and the agent daemon in their own packages', () => {
    expect(staticallyLoaded(commandChunk('server'))).toContain('external @dockercise/control-plane/local');
    const all = ['main.js', ...readdirSync(`${BUNDLE}chunks`).map((f) => `chunks/${f}`)].map((f) =>
      readFileSync(BUNDLE + f, 'utf8'),
    );
    expect(all.some((text) => text.includes('import("@dockercise/agent/daemon")'))).toBe(true);
    expect(all.some((text) => text.includes('// ../agent/dist/daemon/agent-command.js'))).toBe(false);
  });
});
