import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian with systemd, python3 and Debian's AWS CLI: the customer host's image, and steps' AWS CLI. */
export const HOST_IMAGE = 'dockercise-test/host-systemd';

/** The systemd host image, built from Debian's packages when its recipe changed (a minute or so). */
export default function setup(): void {
  execFileSync(
    'bash',
    [fileURLToPath(new URL('../../scripts/build-host-image.sh', import.meta.url)), HOST_IMAGE],
    {
      stdio: 'inherit',
    },
  );
}
