// What every dockercise bundle of Node code shares (the agent's tarball, the CLI): ES modules that
// CommonJS dependencies can live in, native add-ons left out, and dockerode's rarely used parts
// loaded only when used.
import { dirname, join } from 'node:path';

/**
 * The CommonJS parts of a bundle (dockerode, ssh2, the AWS SDK's) call require() and read
 * __dirname, which an ES module does not have: give them both.
 */
export const commonJsBanner = {
  js: [
    "import { createRequire as __dockerciseRequire } from 'node:module';",
    "import { fileURLToPath as __dockercisePath } from 'node:url';",
    "import { dirname as __dockerciseDir } from 'node:path';",
    'const require = __dockerciseRequire(import.meta.url);',
    'const __filename = __dockercisePath(import.meta.url);',
    'const __dirname = __dockerciseDir(__filename);',
  ].join(' '),
};

/**
 * ssh2's optional native speed-ups: it falls back to JavaScript without them, and a native module
 * would tie a bundle to one architecture.
 */
export const nativeExternals = ['cpu-features', '*.node'];

/**
 * Modules that dockerode and docker-modem require up front but use only for a `ssh://` DOCKER_HOST
 * (ssh2) or a BuildKit build (grpc-js, protobufjs): two thirds of loading dockerode, ~85 ms of every
 * start on the 2-core machine. Each exports one function, so it is replaced by a function that
 * requires the real module on its first call (esbuild keeps a require inside a function lazy).
 * `bundled: false` leaves the real module out of the bundle, to be required from node_modules: for
 * the CLI, which runs where its dependencies are installed, and starts faster without parsing them.
 */
const DEFERRED = [
  { importer: /docker-modem[\\/]lib[\\/]modem\.js$/, path: './ssh', module: 'docker-modem/lib/ssh.js' },
  { importer: /dockerode[\\/]lib[\\/]docker\.js$/, path: './session', module: 'dockerode/lib/session.js' },
];
/** Required only inside the function that uses it already (BuildKit's progress, protobufjs). */
const LAZY_ALREADY = [
  { importer: /dockerode[\\/]lib[\\/]docker\.js$/, path: './buildkit', module: 'dockerode/lib/buildkit.js' },
];

export function deferRarelyUsedModules({ bundled }) {
  return {
    name: 'defer-rarely-used-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\/buildkit$/ }, (args) => {
        const lazy = LAZY_ALREADY.find((d) => d.path === args.path && d.importer.test(args.importer));
        return lazy && !bundled ? { path: lazy.module, external: true } : undefined;
      });
      build.onResolve({ filter: /^\.\/(ssh|session)$/ }, (args) => {
        const deferred = DEFERRED.find((d) => d.path === args.path && d.importer.test(args.importer));
        if (!deferred) return undefined;
        const real = bundled ? join(dirname(args.importer), `${args.path}.js`) : deferred.module;
        return { path: real, namespace: 'deferred' };
      });
      // The real module, required by the stand-in: from node_modules at run time when not bundled.
      build.onResolve({ filter: /.*/, namespace: 'deferred' }, (args) =>
        bundled ? { path: args.path } : { path: args.path, external: true },
      );
      build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
        contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
        loader: 'js',
      }));
    },
  };
}
