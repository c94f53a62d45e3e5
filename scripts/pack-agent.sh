#!/usr/bin/env bash
# Packs the agent into one tarball that a host installs with `npm install --global <url>`: the
# agent's build and systemd unit, with @dockercise/shared bundled inside; its other dependencies come
# from the npm registry at install time. Usage: pack-agent.sh [OUT_DIR]  (default: dist/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
if [ ! -f "$root/agent/dist/daemon/agent-program.js" ] || [ ! -f "$root/shared/dist/index.js" ]; then
  echo "build first: npm run build" >&2
  exit 1
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -r "$root/agent/bin" "$root/agent/dist" "$root/agent/dockercise-agent.service" "$stage/"
mkdir -p "$stage/node_modules/@dockercise/shared"
cp -r "$root/shared/dist" "$root/shared/package.json" "$stage/node_modules/@dockercise/shared/"
# npm counts a bundled package's own dependencies as part of the bundle, so they travel in it too
# (both have no dependencies of their own).
for dependency in zod yaml; do cp -r "$root/node_modules/$dependency" "$stage/node_modules/$dependency"; done

# The agent's package.json, with shared's own dependencies added and shared bundled.
node --input-type=module - "$root" "$stage" <<'SCRIPT'
import { readFileSync, writeFileSync } from 'node:fs';
const [root, stage] = process.argv.slice(2);
const agent = JSON.parse(readFileSync(`${root}/agent/package.json`, 'utf8'));
const shared = JSON.parse(readFileSync(`${root}/shared/package.json`, 'utf8'));
delete agent.devDependencies;
delete agent.scripts;
agent.private = false;
const version = (name) => JSON.parse(readFileSync(`${stage}/node_modules/${name}/package.json`, 'utf8')).version;
agent.dependencies = { ...agent.dependencies, '@dockercise/shared': shared.version, zod: version('zod'), yaml: version('yaml') };
agent.bundleDependencies = ['@dockercise/shared', ...Object.keys(shared.dependencies)];
agent.files = ['bin', 'dist', 'dockercise-agent.service'];
writeFileSync(`${stage}/package.json`, `${JSON.stringify(agent, null, 2)}\n`);
SCRIPT

(cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
version="$(node -p "require('$stage/package.json').version")"
echo "$out/dockercise-agent-$version.tgz"
