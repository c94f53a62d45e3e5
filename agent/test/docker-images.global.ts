import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

export const TEST_IMAGE = 'dockercise-test/busybox:latest';
/** The same with the machine's git in it: for steps that use a checkout's history. */
export const GIT_IMAGE = 'dockercise-test/busybox-git:latest';
/** What the examples name. */
export const EXAMPLE_IMAGE = 'busybox:1.36';

/** Tests build their own image (no registry is reachable where they run) and never pull. */
export default async function setup(): Promise<void> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error('these tests need a running Docker engine (start dockerd, or run .ci/run)', {
      cause: error,
    });
  }
  const script = fileURLToPath(new URL('../../scripts/build-busybox-image.sh', import.meta.url));
  for (const [image, extra] of [
    [TEST_IMAGE, []],
    [GIT_IMAGE, ['--with', 'git']],
  ] as const) {
    const present = await docker
      .getImage(image)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (!present) execFileSync('bash', [script, ...extra, image], { stdio: 'inherit' });
  }
  // The examples name busybox:1.36 and run unchanged in tests: the same local image, never pulled.
  const example = await docker
    .getImage(EXAMPLE_IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!example) await docker.getImage(TEST_IMAGE).tag({ repo: 'busybox', tag: '1.36' });
}
