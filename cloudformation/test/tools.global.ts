import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** cfn-lint lives in the project's venv, which this creates when missing; shellcheck is Debian's. */
export default function setup(): void {
  execFileSync('bash', [fileURLToPath(new URL('../../scripts/ensure-venv.sh', import.meta.url))], {
    stdio: 'inherit',
  });
}
