import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for one instance's metadata service (IMDSv2), which moto does not give each of its
 * instances: a PUT gives a token, and metadata is served only with it. The Auto Scaling target
 * state comes from `targetState` (what moto says of the instance, in the host tests).
 */
export interface Imds {
  url: string;
  readonly tokens: number;
  readonly unauthorised: number;
  close(): Promise<void>;
}

export function imdsServer(
  instanceId: string,
  region: string,
  targetState?: () => Promise<string | undefined>,
): Promise<Imds> {
  const state = { tokens: 0, unauthorised: 0 };
  const token = 'imds-token-123';
  const server: Server = createServer(async (req, res) => {
    if (
      req.method === 'PUT' &&
      req.url === '/latest/api/token' &&
      req.headers['x-aws-ec2-metadata-token-ttl-seconds']
    ) {
      state.tokens++;
      res.end(token);
      return;
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== token) {
      state.unauthorised++;
      res.statusCode = 401;
      res.end();
      return;
    }
    const target =
      req.url === '/latest/meta-data/autoscaling/target-lifecycle-state' ? await targetState?.() : undefined;
    if (req.url === '/latest/meta-data/instance-id') res.end(instanceId);
    else if (req.url === '/latest/meta-data/placement/region') res.end(region);
    else if (target) res.end(target);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        get tokens() {
          return state.tokens;
        },
        get unauthorised() {
          return state.unauthorised;
        },
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}
