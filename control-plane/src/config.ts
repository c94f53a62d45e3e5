import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateKeyFrom, rawPublicKeyBase64, sha256Hex } from '@dockercise/shared/node';

export interface ControlPlaneConfig {
  port: number;
  publicUrl: string;
  /** A PostgreSQL URL (several replicas) or a SQLite file (one process). */
  database: string;
  storeSecret: string;
  sessionSecret: string;
  githubClientId: string;
  githubClientSecret: string;
  /** GitHub's API and web addresses: github.com's unless set (GitHub Enterprise Server). */
  githubApiUrl: string;
  githubWebUrl: string;
  /** Where steps clone from over SSH, and that host's key when it is not github.com. */
  gitSsh: GitSsh;
  controlPlaneRoleArn: string;
  signingKey: KeyObject;
  jobSigningPublicKey: string;
  templateUrl: string;
  region: string;
  agentVersion: string;
  agentDir?: string;
  /** The sha256 of the agent tarball served from agentDir, which stacks check before installing it. */
  agentTarballSha256?: string;
  uiDir?: string;
  awsEndpoint?: string;
  /** How long a replica holds a build it took (DOCKERCISE_BUILD_CLAIM_SECONDS, 120) before another may. */
  buildClaimMs: number;
  /** How often the reconciler looks for work left undone (DOCKERCISE_RECONCILE_SECONDS, 5). */
  reconcileMs: number;
}

export interface GitSsh {
  host: string;
  /** known_hosts lines for `host`; github.com's published key is built into the agent. */
  knownHosts?: string;
}

/** A known_hosts line: `host[,host…] <key type> <base64 key>`. */
const KNOWN_HOSTS_LINE = /^[^\s#]+ (ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+=*$/;

/**
 * GitHub's SSH host and key. github.com's unless GITHUB_SSH_HOST says otherwise (an Enterprise
 * Server, where GITHUB_WEB_URL's host is the default), and then its key is required: a clone must
 * never trust whatever host answers.
 */
function gitSshFrom(env: NodeJS.ProcessEnv, webUrl: string, problems: string[]): GitSsh {
  const webHost = URL.canParse(webUrl) ? new URL(webUrl).hostname : 'github.com';
  const host = env.GITHUB_SSH_HOST?.trim() || webHost;
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host)) {
    problems.push('GITHUB_SSH_HOST must be a host name, like ghe.example.com');
    return { host: 'github.com' };
  }
  const knownHosts = env.GITHUB_SSH_KNOWN_HOSTS?.trim();
  if (!knownHosts) {
    if (host !== 'github.com')
      problems.push(
        `GITHUB_SSH_KNOWN_HOSTS is missing: give ${host}'s SSH host key (ssh-keyscan -t ed25519 ${host})`,
      );
    return { host };
  }
  const lines = knownHosts
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.every((line) => KNOWN_HOSTS_LINE.test(line)))
    problems.push('GITHUB_SSH_KNOWN_HOSTS must be known_hosts lines: "<host> <key type> <base64 key>"');
  return { host, knownHosts: `${lines.join('\n')}\n` };
}

/** Settings from the environment, all checked at once: a wrong setting stops start-up with every reason. */
export function loadConfig(env: NodeJS.ProcessEnv): ControlPlaneConfig {
  const problems: string[] = [];
  const need = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is missing`);
    return value ?? '';
  };
  const seconds = (name: string, fallback: number): number => {
    const value = env[name]?.trim();
    if (!value) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      problems.push(`${name}=${value} is not a whole number of seconds of at least 1`);
      return fallback;
    }
    return n;
  };
  const keyPath = need('DOCKERCISE_SIGNING_KEY_FILE');
  let signingKey: KeyObject | undefined;
  if (keyPath) {
    try {
      signingKey = privateKeyFrom(readFileSync(keyPath, 'utf8'));
      if (signingKey.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    } catch (error) {
      problems.push(
        `DOCKERCISE_SIGNING_KEY_FILE: cannot use ${keyPath} as an Ed25519 private key (${(error as Error).message})`,
      );
    }
  }
  const config = {
    port: Number(env.PORT ?? 8080),
    publicUrl: need('DOCKERCISE_PUBLIC_URL').replace(/\/$/, ''),
    database: env.DATABASE_URL?.trim() || env.DOCKERCISE_DATABASE?.trim() || 'dockercise.db',
    storeSecret: need('DOCKERCISE_STORE_SECRET'),
    sessionSecret: need('DOCKERCISE_SESSION_SECRET'),
    githubClientId: need('GITHUB_CLIENT_ID'),
    githubClientSecret: need('GITHUB_CLIENT_SECRET'),
    githubApiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''),
    githubWebUrl: (env.GITHUB_WEB_URL ?? 'https://github.com').replace(/\/$/, ''),
    controlPlaneRoleArn: need('DOCKERCISE_AWS_ROLE_ARN'),
    templateUrl: need('DOCKERCISE_TEMPLATE_URL'),
    region: env.AWS_REGION ?? 'us-east-1',
    agentVersion: env.DOCKERCISE_AGENT_VERSION ?? '0.1.0',
    ...(env.DOCKERCISE_AGENT_DIR ? { agentDir: env.DOCKERCISE_AGENT_DIR } : {}),
    ...(env.DOCKERCISE_UI_DIR ? { uiDir: env.DOCKERCISE_UI_DIR } : {}),
    ...(env.DOCKERCISE_AWS_ENDPOINT ? { awsEndpoint: env.DOCKERCISE_AWS_ENDPOINT } : {}),
    buildClaimMs: seconds('DOCKERCISE_BUILD_CLAIM_SECONDS', 120) * 1000,
    reconcileMs: seconds('DOCKERCISE_RECONCILE_SECONDS', 5) * 1000,
  };
  if (
    config.controlPlaneRoleArn &&
    !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(config.controlPlaneRoleArn)
  )
    problems.push('DOCKERCISE_AWS_ROLE_ARN must be the ARN of the role the control plane runs as');
  const tarball = config.agentDir
    ? join(config.agentDir, `dockercise-agent-${config.agentVersion}.tgz`)
    : undefined;
  const agentTarballSha256 = tarball && existsSync(tarball) ? sha256Hex(readFileSync(tarball)) : undefined;
  for (const [name, url] of [
    ['GITHUB_API_URL', config.githubApiUrl],
    ['GITHUB_WEB_URL', config.githubWebUrl],
  ] as const)
    if (!URL.canParse(url)) problems.push(`${name} must be a URL, like https://github.example.com`);
  const gitSsh = gitSshFrom(env, config.githubWebUrl, problems);
  if (config.sessionSecret && config.sessionSecret.length < 32)
    problems.push('DOCKERCISE_SESSION_SECRET must be at least 32 characters');
  if (config.storeSecret && config.storeSecret.length < 32)
    problems.push('DOCKERCISE_STORE_SECRET must be at least 32 characters');
  if (problems.length > 0 || !signingKey)
    throw new Error(`the control plane's configuration is not usable:\n  - ${problems.join('\n  - ')}`);
  return {
    ...config,
    ...(agentTarballSha256 ? { agentTarballSha256 } : {}),
    gitSsh,
    signingKey,
    jobSigningPublicKey: rawPublicKeyBase64(createPublicKey(signingKey)),
  };
}
