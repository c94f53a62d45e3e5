// Bundles the `dockercise` command (tsc's dist/main.js and what it imports) into dist/bundle/ with
// esbuild: one small file that `--version` and every command start from, and a chunk per command
// loaded when it runs. Loading one file instead of some 900 modules is most of why `dockercise`
// starts in ~0.15 s instead of ~0.8 s (README, "Start-up").
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { commonJsBanner, deferRarelyUsedModules, nativeExternals } from '../../scripts/esbuild-node.mjs';

/**
 * The agent daemon and the control plane stay in their packages, loaded from there when
 * `dockercise agent` or `dockercise server` runs: they find their own files (migrations, the
 * viewer, worker scripts, their version) next to their modules.
 */
const ownPackages = {
  name: 'own-packages',
  setup(b) {
    b.onResolve({ filter: /^\.\/agent-command\.js$/ }, (args) =>
      /agent[\\/]dist[\\/]daemon[\\/]agent-program\.js$/.test(args.importer)
        ? { path: '@dockercise/agent/daemon', external: true }
        : undefined,
    );
  },
};

const outdir = new URL('../dist/bundle', import.meta.url).pathname;
// Chunk names carry a hash: without this, a rebuild would leave the old ones beside the new.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: new URL('../dist/main.js', import.meta.url).pathname },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: commonJsBanner,
  external: [...nativeExternals, '@dockercise/control-plane', '@dockercise/control-plane/*'],
  plugins: [deferRarelyUsedModules({ bundled: false }), ownPackages],
  legalComments: 'none',
  logLevel: 'warning',
});
