import { type ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { RegistryAuth, RegistryCredentials } from '../../images/registry-auth.js';

/** `<account>.dkr.ecr.<region>.amazonaws.com` (and .com.cn): a private ECR registry. */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** An ECR token lasts 12 hours; it is asked for again once less than this is left. */
const RENEW_BEFORE_MS = 60 * 60_000;
const TOKEN_LIFETIME_MS = 12 * 60 * 60_000;

/**
 * ECR's registries pulled with the host's instance role: `GetAuthorizationToken` gives a token
 * (`AWS:<password>`, 12 hours) that the engine sends as a login; kept per registry and asked for
 * again an hour before it ends. The stack grants the pull on the repositories it lists only.
 */
export function ecrRegistryAuth(ecr: ECRClient, now: () => number = Date.now): RegistryAuth {
  const held = new Map<string, { credentials: RegistryCredentials; expiresAt: number }>();
  return {
    async credentialsFor(registry) {
      const account = ECR_HOST.exec(registry)?.[1];
      if (!account) return undefined;
      const kept = held.get(registry);
      if (kept && kept.expiresAt - now() > RENEW_BEFORE_MS) return kept.credentials;
      const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
      const data = answer.authorizationData?.[0];
      const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) return undefined;
      const credentials = {
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
        serveraddress: registry,
      };
      // ECR's tokens last 12 hours; a stated end that is already past (a clock apart, a stand-in
      // such as moto) is taken as that, not as a token to ask for again at every pull.
      const stated = data?.expiresAt?.getTime();
      held.set(registry, {
        credentials,
        expiresAt: stated !== undefined && stated > now() ? stated : now() + TOKEN_LIFETIME_MS,
      });
      return credentials;
    },
    howToLogIn: (registry) =>
      ECR_HOST.test(registry)
        ? `list the repository in the stack's EcrRepositoryArns (the hosts pull only those), and check its own policy lets this account pull`
        : `give ${registry}'s credentials in the secret the stack's RegistryCredentialsSecretArn names`,
  };
}
