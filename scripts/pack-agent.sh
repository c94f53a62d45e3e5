#!/usr/bin/env bash
# Packs the agent into the one tarball a host installs: the agent and every dependency bundled into
# a single ES module (dist/agent.mjs, see bundle.mjs), its program, and the host's scripts and
# systemd units (agent/host). Nothing is resolved, fetched or built on the host, and the same
# tarball runs on x86_64 and arm64. Usage: pack-agent.sh [OUT_DIR]  (default: dist/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
if [ ! -f "$root/agent/dist/daemon/agent-program.js" ] || [ ! -f "$root/shared/dist/index.js" ]; then
  echo "build first: npm run build" >&2
  exit 1
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/dist"
node "$root/scripts/bundle.mjs" "$root/agent/dist/daemon/agent-program.js" "$stage/dist/agent.mjs"
cp -r "$root/agent/host" "$stage/host"
cat >"$stage/bin/dockercise-agent.js" <<'PROGRAM'
#!/usr/bin/env node
import { agentMain } from '../dist/agent.mjs';

agentMain(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error('dockercise-agent: internal error:', error);
    process.exitCode = 70;
  },
);
PROGRAM
chmod 0755 "$stage/bin/dockercise-agent.js" "$stage/host/dockercise-leave" "$stage/host/dockercise-watchdog" "$stage/host/dockercise-patch"

# The agent's package.json without dependencies: the bundle holds them all.
node --input-type=module - "$root" "$stage" <<'SCRIPT'
import { readFileSync, writeFileSync } from 'node:fs';
const [root, stage] = process.argv.slice(2);
const agent = JSON.parse(readFileSync(`${root}/agent/package.json`, 'utf8'));
const pkg = {
  name: agent.name,
  version: agent.version,
  description: agent.description,
  type: 'module',
  bin: { 'dockercise-agent': 'bin/dockercise-agent.js' },
  files: ['bin', 'dist', 'host'],
  engines: { node: '>=20.19' },
};
writeFileSync(`${stage}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
SCRIPT

(cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
version="$(node -p "require('$stage/package.json').version")"
echo "$out/dockercise-agent-$version.tgz"
