import type { ContainerEngine } from '../engine/engine.js';

/**
 * The network a step with `aws-role` joins to reach its credentials. The AWS SDKs and CLI accept
 * an http `AWS_CONTAINER_CREDENTIALS_FULL_URI` only on loopback — the container's own, where
 * nothing of the host's is — or at 169.254.170.2 (ECS's address) and 169.254.170.23 (EKS's). So
 * the network is 169.254.170.0/24 with this host as its gateway at 169.254.170.2, where the
 * endpoint listens; link-local, it is routed nowhere beyond the host. Its containers cannot reach
 * one another (no inter-container traffic), and each request needs its step's own token.
 */
export const CREDENTIALS_NETWORK = 'dockercise-credentials';
export const CREDENTIALS_SUBNET = '169.254.170.0/24';
export const CREDENTIALS_ADDRESS = '169.254.170.2';

/** Makes the network when missing: after it, the endpoint can listen at its gateway's address. */
export function ensureCredentialsNetwork(engine: ContainerEngine): Promise<void> {
  return engine.ensureIsolatedNetwork(CREDENTIALS_NETWORK, CREDENTIALS_SUBNET, CREDENTIALS_ADDRESS);
}
