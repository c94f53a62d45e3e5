import type { Checkout } from '@dockercise/shared/node';
import type { ContainerSpec } from '../engine/engine.js';
import type { OutputFiles } from './output-files.js';

export type { Checkout };

export const SSH_DIR = '/dockercise/ssh';

/** GitHub's published Ed25519 host key: a clone fails rather than trust another host. */
export const GITHUB_KNOWN_HOSTS =
  'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n';

/**
 * Named with a leading dot, which no step name has, so no step's output file can replace them.
 * The key on the host's tmpfs (never on disk), mode 0400 as ssh insists, and the Git host's key
 * (github.com's unless the signed job names a GitHub Enterprise Server's); both mounted read-only
 * into every step of the run.
 */
export async function checkoutMounts(
  checkout: Checkout,
  files: OutputFiles,
): Promise<ContainerSpec['files']> {
  const key = withNewline(checkout.deployKey);
  const knownHosts = checkout.knownHosts ? withNewline(checkout.knownHosts) : GITHUB_KNOWN_HOSTS;
  return [
    { source: await files.file('.deploy_key', key, true, 0o400), target: `${SSH_DIR}/deploy_key` },
    { source: await files.file('.known_hosts', knownHosts, false), target: `${SSH_DIR}/known_hosts` },
  ];
}

/**
 * `git clone "$DOCKERCISE_REPO" .` then works in any step with git and ssh; a fork's pull request
 * also needs `git fetch origin "$DOCKERCISE_REF"` before `git checkout "$DOCKERCISE_COMMIT"`.
 */
export function checkoutEnv(checkout: Checkout): Record<string, string> {
  return {
    DOCKERCISE_REPO: checkout.url,
    DOCKERCISE_COMMIT: checkout.commit,
    ...(checkout.ref ? { DOCKERCISE_REF: checkout.ref } : {}),
    GIT_SSH_COMMAND: `ssh -i ${SSH_DIR}/deploy_key -o IdentitiesOnly=yes -o UserKnownHostsFile=${SSH_DIR}/known_hosts -o StrictHostKeyChecking=yes`,
  };
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
