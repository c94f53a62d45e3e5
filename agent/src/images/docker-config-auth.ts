import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  credentialsOfEntry,
  DOCKER_HUB,
  type RegistryAuth,
  type RegistryCredentials,
  registryKey,
  serverAddressOf,
} from './registry-auth.js';

interface DockerConfig {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * The user's own Docker credentials, as `docker pull` uses them: `$DOCKER_CONFIG/config.json`
 * (`~/.docker` unless set) — a registry's credential helper (`credHelpers`), else the store
 * (`credsStore`), else the file's own `auths` — read afresh for each pull, so a `docker login`
 * meanwhile counts.
 */
export function dockerConfigAuth(
  dir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'),
): RegistryAuth {
  return {
    async credentialsFor(registry) {
      const config = await readConfig(join(dir, 'config.json'));
      if (!config) return undefined;
      const keys = Object.keys(config.auths ?? {}).filter((key) => registryKey(key) === registry);
      const helper =
        Object.entries(config.credHelpers ?? {}).find(([key]) => registryKey(key) === registry)?.[1] ??
        config.credsStore;
      if (helper) {
        const fromHelper = await fromCredentialHelper(helper, keys[0] ?? serverAddressOf(registry));
        if (fromHelper) return { ...fromHelper, serveraddress: serverAddressOf(registry) };
      }
      for (const key of keys) {
        const credentials = credentialsOfEntry(config.auths?.[key], registry);
        if (credentials) return credentials;
      }
      return undefined;
    },
    howToLogIn: (registry) =>
      `log in with docker login ${registry === DOCKER_HUB ? '' : registry}`.trim() +
      ` (dockercise reads ${join(dir, 'config.json')}, as docker does)`,
  };
}

async function readConfig(path: string): Promise<DockerConfig | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as DockerConfig) : undefined;
  } catch {
    throw new Error(`${path} is not JSON: fix it or move it away (docker reads it too)`);
  }
}

/** `docker-credential-<helper> get`, with the server on stdin, as Docker's own client asks it. */
function fromCredentialHelper(
  helper: string,
  server: string,
): Promise<Omit<RegistryCredentials, 'serveraddress'> | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 30_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const { Username, Secret } = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!Secret) return resolve(undefined);
        // A helper that gives an identity token says so with this user name.
        resolve(
          Username === '<token>' ? { identitytoken: Secret } : { username: Username ?? '', password: Secret },
        );
      } catch {
        resolve(undefined);
      }
    });
    child.stdin?.end(server);
  });
}
