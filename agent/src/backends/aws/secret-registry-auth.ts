import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  credentialsOfEntry,
  type RegistryAuth,
  type RegistryCredentials,
  registryKey,
  serverAddressOf,
} from '../../images/registry-auth.js';

/** How long a read of the secret is used before it is read again (a rotated password is picked up). */
const REREAD_MS = 15 * 60_000;

/**
 * Registries other than ECR (Docker Hub, ghcr.io, quay.io, a private one) pulled with credentials
 * from a Secrets Manager secret in the customer's account that the stack names: a Docker config
 * document, `{ "auths": { "<registry>": { "auth": base64(user:password) } } }` (or `username` and
 * `password`). Read by the agent, never given to a step, never logged.
 */
export function secretRegistryAuth(
  secrets: SecretsManagerClient,
  secretArn: string,
  now: () => number = Date.now,
): RegistryAuth {
  let read: { at: number; auths: Map<string, RegistryCredentials> } | undefined;
  const auths = async (): Promise<Map<string, RegistryCredentials>> => {
    if (read && now() - read.at < REREAD_MS) return read.auths;
    const answer = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    read = { at: now(), auths: parseAuths(answer.SecretString ?? '', secretArn) };
    return read.auths;
  };
  return {
    credentialsFor: async (registry) => (await auths()).get(registry),
    howToLogIn: (registry) =>
      `add ${serverAddressOf(registry)} to the auths of the secret the stack's RegistryCredentialsSecretArn names`,
  };
}

/** The secret's `auths`, by registry; a secret that is not such a document is an error that says so. */
export function parseAuths(text: string, secretArn: string): Map<string, RegistryCredentials> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error(
      `the registry credentials secret ${secretArn} is not JSON: it holds a Docker config { "auths": … }`,
    );
  }
  const entries = (document as { auths?: unknown })?.auths;
  if (!entries || typeof entries !== 'object')
    throw new Error(
      `the registry credentials secret ${secretArn} has no "auths": it holds a Docker config { "auths": … }`,
    );
  const found = new Map<string, RegistryCredentials>();
  for (const [key, entry] of Object.entries(entries as Record<string, unknown>)) {
    const registry = registryKey(key);
    const credentials = credentialsOfEntry(entry, registry);
    if (credentials) found.set(registry, credentials);
  }
  return found;
}
