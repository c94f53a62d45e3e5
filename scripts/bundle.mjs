// Bundles one entry module and everything it imports into a single ESM file with esbuild: what a
// host runs (no node_modules, nothing resolved or built on the host, the same bytes on x86_64 and
// arm64). Usage: node scripts/bundle.mjs <entry.js> <out.mjs>
import { build } from 'esbuild';
import { commonJsBanner, deferRarelyUsedModules, nativeExternals } from './esbuild-node.mjs';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node scripts/bundle.mjs <entry.js> <out.mjs>');
  process.exit(64);
}
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: commonJsBanner,
  external: nativeExternals,
  plugins: [deferRarelyUsedModules({ bundled: true })],
  legalComments: 'none',
  logLevel: 'warning',
});
