import { fileURLToPath } from 'node:url';
import { defineWorkspace } from 'vitest/config';

// Tests run against the TypeScript sources of @dockercise/shared, so editing it needs no rebuild.
const alias = [
  {
    find: /^@dockercise\/shared$/,
    replacement: fileURLToPath(new URL('./shared/src/index.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/shared\/node$/,
    replacement: fileURLToPath(new URL('./shared/src/node/index.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/shared\/language$/,
    replacement: fileURLToPath(new URL('./shared/src/language.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/shared\/discover$/,
    replacement: fileURLToPath(new URL('./shared/src/node/discover.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/agent$/,
    replacement: fileURLToPath(new URL('./agent/src/index.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/agent\/local$/,
    replacement: fileURLToPath(new URL('./agent/src/local.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/agent\/program$/,
    replacement: fileURLToPath(new URL('./agent/src/daemon/agent-program.ts', import.meta.url)),
  },
  {
    find: /^@dockercise\/control-plane\/local$/,
    replacement: fileURLToPath(new URL('./control-plane/src/local/local-server.ts', import.meta.url)),
  },
];

export default defineWorkspace([
  {
    resolve: { alias },
    test: { name: 'shared-unit', root: './shared', include: ['src/**/*.test.ts'] },
  },
  {
    resolve: { alias },
    test: {
      name: 'agent-unit',
      root: './agent',
      include: ['src/**/*.test.ts'],
      exclude: ['src/**/*.docker.test.ts', 'src/**/*.aws.test.ts'],
    },
  },
  {
    // Needs a running Docker engine; builds its own images, never pulls.
    resolve: { alias },
    test: {
      name: 'agent-docker',
      root: './agent',
      include: ['src/**/*.docker.test.ts', 'test/**/*.docker.test.ts'],
      globalSetup: ['./test/docker-images.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // Needs Docker and moto_server (the local AWS endpoint), which its global setup starts.
    resolve: { alias },
    test: {
      name: 'agent-aws',
      root: './agent',
      include: ['test/**/*.aws.test.ts'],
      // The host image holds Debian's AWS CLI: the steps with aws-role run it.
      globalSetup: ['./test/moto.global.ts', './test/host-image.global.ts', './test/registry.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // A customer host's boot script and units under Debian's systemd as PID 1, in a container
    // built from Debian's packages (scripts/build-host-image.sh), against moto.
    resolve: { alias },
    test: {
      name: 'agent-systemd',
      root: './agent',
      include: ['test/**/*.systemd.test.ts'],
      globalSetup: ['./test/moto.global.ts', './test/host-image.global.ts'],
      testTimeout: 180_000,
      hookTimeout: 300_000,
    },
  },
  {
    resolve: { alias },
    test: { name: 'cli-unit', root: './cli', include: ['src/**/*.test.ts'] },
  },
  {
    // The built `dockercise` command as a user runs it, on the real Docker engine.
    resolve: { alias },
    test: {
      name: 'cli-docker',
      root: './cli',
      include: ['test/**/*.docker.test.ts'],
      // A private registry (Debian's docker-registry) on loopback, for pulls with credentials.
      globalSetup: ['../agent/test/docker-images.global.ts', '../agent/test/registry.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // Static checks of the customer stack with cfn-lint and shellcheck, and the agent's tarball.
    resolve: { alias },
    test: {
      name: 'cloudformation',
      root: './cloudformation',
      include: ['test/**/*.test.ts'],
      exclude: ['test/**/*.iam.test.ts'],
      globalSetup: ['./test/tools.global.ts'],
      testTimeout: 120_000,
    },
  },
  {
    // What the AWS projects recorded, evaluated against the stack's IAM policies; so after them.
    resolve: { alias },
    test: {
      name: 'iam',
      root: './cloudformation',
      include: ['test/**/*.iam.test.ts'],
      sequence: { groupOrder: 1 },
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  },
  {
    resolve: { alias },
    test: {
      name: 'control-plane-unit',
      root: './control-plane',
      include: ['src/**/*.test.ts'],
    },
  },
  {
    // Routes through app.request(), SQLite on a real file, GitHub through nock, AWS through moto.
    resolve: { alias },
    test: {
      name: 'control-plane-aws',
      root: './control-plane',
      include: ['test/**/*.test.ts'],
      exclude: ['test/**/*.docker.test.ts', 'test/**/*.pg.test.ts'],
      // The host image holds Debian's AWS CLI, for the local server's step with aws-role.
      globalSetup: ['../agent/test/moto.global.ts', '../agent/test/host-image.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // PostgreSQL (the cluster .ci/run starts, or one of its own) and moto: the store contract on
    // PostgreSQL, and replicas of the control plane sharing one database.
    resolve: { alias },
    test: {
      name: 'control-plane-pg',
      root: './control-plane',
      include: ['test/**/*.pg.test.ts'],
      globalSetup: ['./test/postgres.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // The local server: the control plane with its in-process agent on the real Docker engine.
    resolve: { alias },
    test: {
      name: 'control-plane-docker',
      root: './control-plane',
      include: ['test/**/*.docker.test.ts'],
      globalSetup: ['../agent/test/docker-images.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // The viewer's components in jsdom.
    // Solid's browser build, not its server one: the tests render into a DOM.
    extends: './ui/vite.config.ts',
    resolve: { alias, conditions: ['development', 'browser'] },
    test: {
      name: 'ui-unit',
      root: './ui',
      include: ['src/**/*.test.{ts,tsx}'],
      environment: 'jsdom',
      server: { deps: { inline: [/solid-js/, /@solidjs\//] } },
    },
  },
  {
    // The built viewer in Debian's Chromium, against the local server on the real Docker engine.
    resolve: { alias },
    test: {
      name: 'ui-browser',
      root: './ui',
      include: ['test/**/*.browser.test.ts'],
      // The hosted flow's test talks to AWS: moto, as the other AWS projects do.
      globalSetup: ['../agent/test/docker-images.global.ts', '../agent/test/moto.global.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
]);
