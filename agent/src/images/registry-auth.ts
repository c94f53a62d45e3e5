/** What the engine sends a registry: Docker's auth config (`X-Registry-Auth`). */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A registry's own token, where its credential helper gives one instead of a password. */
  identitytoken?: string;
  serveraddress: string;
}

/**
 * Credentials for the registries steps' images come from: the user's own Docker configuration
 * locally, the stack's ECR access and secret on a host. Never given to a step; never logged.
 */
export interface RegistryAuth {
  /** The registry's credentials, or none (an anonymous pull). */
  credentialsFor(registry: string): Promise<RegistryCredentials | undefined>;
  /** How to give credentials for `registry`, for the sentence of a refused pull. */
  howToLogIn(registry: string): string;
}

/** Docker Hub, however an image or a config names it. */
export const DOCKER_HUB = 'docker.io';
const HUB_NAMES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'https://index.docker.io/v1/',
]);

/**
 * The registry an image reference names, as Docker reads it: the first component when it has a
 * dot or a port or is `localhost`, else Docker Hub.
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (first === 'localhost' || first.includes('.') || first.includes(':'))
    return HUB_NAMES.has(first) ? DOCKER_HUB : first;
  return DOCKER_HUB;
}

/** A config key (`https://ghcr.io`, `ghcr.io/v2/`, `https://index.docker.io/v1/`) as a registry name. */
export function registryKey(key: string): string {
  if (HUB_NAMES.has(key)) return DOCKER_HUB;
  const host = key.replace(/^https?:\/\//, '').split('/')[0] ?? key;
  return HUB_NAMES.has(host) ? DOCKER_HUB : host;
}

/** What the engine sends as a registry's address: Docker Hub's by its old URL, as docker does. */
export function serverAddressOf(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/**
 * One entry of a Docker config's `auths` (the user's config.json, the stack's secret) as the
 * engine's credentials: an identity token, `auth` (base64 of `user:password`), or a user name and
 * password; undefined when it holds none of these.
 */
export function credentialsOfEntry(entry: unknown, registry: string): RegistryCredentials | undefined {
  const { identitytoken, auth, username, password } = (entry ?? {}) as Record<string, unknown>;
  const serveraddress = serverAddressOf(registry);
  if (typeof identitytoken === 'string' && identitytoken) return { identitytoken, serveraddress };
  if (typeof auth === 'string') {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
  }
  if (typeof username === 'string' && typeof password === 'string' && username && password)
    return { username, password, serveraddress };
  return undefined;
}

/** Whether an engine's refusal of a pull is for want of (right) credentials. */
export function isAuthRefusal(message: string): boolean {
  return /unauthorized|authentication required|no basic auth credentials|denied|401|403 forbidden/i.test(
    message,
  );
}

/** Several sources in turn: the first that has credentials for a registry gives them. */
export function firstOf(...sources: RegistryAuth[]): RegistryAuth {
  return {
    async credentialsFor(registry) {
      for (const source of sources) {
        const found = await source.credentialsFor(registry);
        if (found) return found;
      }
      return undefined;
    },
    howToLogIn: (registry) => sources.map((s) => s.howToLogIn(registry)).join('; or '),
  };
}
