import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The systemd host image, built from Debian's packages when its recipe changed (a minute or so). */
export default function setup(): void {
  execFileSync(
    'bash',
    [
      fileURLToPath(new URL('../../scripts/build-host-image.sh', import.meta.url)),
      'dockercise-test/host-systemd',
    ],
    {
      stdio: 'inherit',
    },
  );
}
