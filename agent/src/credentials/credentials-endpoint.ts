import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@dockercise/shared';
import type { RoleCredentials } from './role-session.js';

/** What one step is served: its credentials when asked (refreshed as they near expiry). */
export interface Grant {
  credentials(): Promise<RoleCredentials>;
  /** Each served secret, before it leaves: masked in the step's log from then on. */
  onServed(credentials: RoleCredentials): void;
}

/** A step's way in: the two variables the AWS SDKs and CLI read, and how to end it. */
export interface Granted {
  env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: string; AWS_CONTAINER_AUTHORIZATION_TOKEN: string };
  revoke(): void;
}

const PATH = '/v1/credentials';

/**
 * The container credentials endpoint — the ECS/EKS contract every AWS SDK and the AWS CLI read:
 * `GET $AWS_CONTAINER_CREDENTIALS_FULL_URI` with the header `Authorization:
 * $AWS_CONTAINER_AUTHORIZATION_TOKEN` answers `{ AccessKeyId, SecretAccessKey, Token, Expiration }`.
 * Each step has a token of its own, random, in its environment only; a request with another
 * step's token, none, or one revoked when its step ended is refused. Listens on one address (the
 * credentials network's gateway: credentials-network.ts), never on all.
 */
export class CredentialsEndpoint {
  private readonly grants = new Map<string, Grant>();

  private constructor(
    private readonly server: Server,
    private readonly base: string,
    private readonly logger: Logger,
  ) {}

  static async listen(host: string, logger: Logger, port = 0): Promise<CredentialsEndpoint> {
    let endpoint: CredentialsEndpoint | undefined;
    const server = createServer((req, res) => {
      endpoint?.answer(req, res).catch((error: unknown) => {
        logger.warn({ err: error }, 'the credentials endpoint could not answer');
        if (!res.headersSent) reply(res, 500, { message: 'could not get credentials' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = server.address() as AddressInfo;
    endpoint = new CredentialsEndpoint(server, `http://${host}:${bound}`, logger);
    return endpoint;
  }

  grant(grant: Grant): Granted {
    const token = randomBytes(32).toString('base64url');
    this.grants.set(token, grant);
    return {
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${this.base}${PATH}`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
      },
      revoke: () => {
        this.grants.delete(token);
      },
    };
  }

  async close(): Promise<void> {
    this.grants.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' || req.url !== PATH) return reply(res, 404, { message: 'not found' });
    const grant = this.find(req.headers.authorization);
    if (!grant) return reply(res, 403, { message: 'no step holds this token' });
    let credentials: RoleCredentials;
    try {
      credentials = await grant.credentials();
    } catch (error) {
      this.logger.warn({ err: error }, "could not renew a step's credentials");
      return reply(res, 502, { message: (error as Error).message });
    }
    grant.onServed(credentials);
    reply(res, 200, {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      Token: credentials.sessionToken,
      Expiration: credentials.expiration.toISOString(),
    });
  }

  /** The grant of this token, compared in constant time with each held. */
  private find(header: string | undefined): Grant | undefined {
    if (!header) return undefined;
    const given = Buffer.from(header);
    for (const [token, grant] of this.grants) {
      const held = Buffer.from(token);
      if (held.length === given.length && timingSafeEqual(held, given)) return grant;
    }
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
