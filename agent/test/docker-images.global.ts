import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

export const TEST_IMAGE = 'dockercise-test/busybox:latest';

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
  const present = await docker
    .getImage(TEST_IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!present) {
    const script = fileURLToPath(new URL('../../scripts/build-busybox-image.sh', import.meta.url));
    execFileSync('bash', [script, TEST_IMAGE], { stdio: 'inherit' });
  }
}
