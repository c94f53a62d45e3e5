// Bundles one entry module and everything it imports into a single ESM file with esbuild: what a
// host runs (no node_modules, nothing resolved or built on the host, the same bytes on x86_64 and
// arm64). Usage: node scripts/bundle.mjs <entry.js> <out.mjs>
import { build } from 'esbuild';

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
  // The CommonJS parts of the bundle (dockerode, ssh2, the AWS SDK's) call require() and read
  // __dirname, which an ES module does not have: give them both.
  banner: {
    js: [
      "import { createRequire as __dockerciseRequire } from 'node:module';",
      "import { fileURLToPath as __dockercisePath } from 'node:url';",
      "import { dirname as __dockerciseDir } from 'node:path';",
      'const require = __dockerciseRequire(import.meta.url);',
      'const __filename = __dockercisePath(import.meta.url);',
      'const __dirname = __dockerciseDir(__filename);',
    ].join(' '),
  },
  // ssh2's optional native speed-ups: it falls back to JavaScript without them, and a native
  // module would tie the tarball to one architecture.
  external: ['cpu-features', '*.node'],
  legalComments: 'none',
  logLevel: 'warning',
});
