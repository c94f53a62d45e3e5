#!/usr/bin/env node
// Fails when a source file imports itself through others, or when the workspaces' dependencies
// form a loop: both hide contracts from the compiler and make the order of module start-up matter.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => normalize(join(entry.parentPath, entry.name)));
}

function resolveImport(from, specifier) {
  const base = normalize(join(dirname(from), specifier)).replace(/\.js$/, '');
  return ['.ts', '.tsx', '/index.ts'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
}

/** Every cycle reachable in a graph of name → names, each once. */
function cycles(graph) {
  const state = new Map();
  const found = [];
  const visit = (node, path) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next, path);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node, []);
  return found;
}

const files = new Map();
for (const workspace of workspaces) {
  for (const file of sourceFiles(join(root, workspace, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const imports = [...text.matchAll(IMPORT)].map((m) => resolveImport(file, m[1])).filter(Boolean);
    files.set(file, imports);
  }
}
const packages = new Map();
for (const workspace of workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8'));
  const all = { ...manifest.dependencies, ...manifest.devDependencies };
  packages.set(
    manifest.name,
    Object.keys(all).filter((name) => name.startsWith('@dockercise/')),
  );
}

/**
 * Layers: what a folder may not import. The runner runs a plan on any engine, so it knows neither
 * the daemon nor a cloud; a backend implements the contracts in backend/, logs/ and engine/,
 * never the daemon's; the shared package's browser-safe part uses no Node module (src/node does).
 */
const LAYERS = [
  {
    from: 'agent/src/runner/',
    never: ['agent/src/daemon/', 'agent/src/backends/'],
    why: 'the runner knows no daemon or cloud',
  },
  {
    from: 'agent/src/backends/',
    never: ['agent/src/daemon/'],
    why: 'backends implement contracts, not the daemon',
  },
  {
    from: 'agent/src/engine/',
    never: ['agent/src/daemon/', 'agent/src/backends/'],
    why: 'the engine knows no daemon or cloud',
  },
];
const NODE_BUILTIN = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'node:[^']+'/;

const layering = [];
for (const [file, imports] of files) {
  const at = file.slice(root.length);
  for (const layer of LAYERS) {
    if (!at.startsWith(layer.from)) continue;
    for (const target of imports) {
      const to = target.slice(root.length);
      if (layer.never.some((n) => to.startsWith(n)))
        layering.push(`layering: ${at} imports ${to} (${layer.why})`);
    }
  }
  if (
    at.startsWith('shared/src/') &&
    !at.startsWith('shared/src/node/') &&
    NODE_BUILTIN.test(readFileSync(file, 'utf8'))
  )
    layering.push(
      `layering: ${at} imports a node: module (only shared/src/node/ may: the viewer loads shared/src)`,
    );
}

const problems = [
  ...cycles(packages).map((c) => `package cycle: ${c.join(' → ')}`),
  ...cycles(files).map((c) => `import cycle: ${c.map((f) => f.slice(root.length)).join(' → ')}`),
  ...layering,
];
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
console.log(`imports: ${files.size} source files and ${packages.size} packages, no cycle, layers kept`);
