import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small GitHub on loopback for the hosted flow in a browser: OAuth (authorize answers at once,
 * as a user who already allowed the app), the user, their repositories, hooks and deploy keys, a
 * commit's tree and blobs, and commit statuses, which it keeps for the test to read. Not a mock of
 * the control plane: the control plane talks to it over HTTP as it talks to GitHub.
 */
export interface StandInGitHub {
  url: string;
  hooks: Array<{ config: { url: string; secret: string }; events: string[] }>;
  statuses: Array<{ sha: string; state: string; description: string; target_url: string; context: string }>;
  /** The files of a commit, by sha. */
  commits: Map<string, Record<string, string>>;
  close(): Promise<void>;
}

export async function startStandInGitHub(
  user: { id: number; login: string },
  repo: { id: number; fullName: string },
) {
  const hooks: StandInGitHub['hooks'] = [];
  const statuses: StandInGitHub['statuses'] = [];
  const commits = new Map<string, Record<string, string>>();
  const blobs = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    void handle(request).then(
      ({ status, body, location }) => {
        if (location) response.setHeader('location', location);
        response.setHeader('content-type', 'application/json');
        response.writeHead(status);
        response.end(body === undefined ? '' : JSON.stringify(body));
      },
      (error: unknown) => {
        response.writeHead(500);
        response.end(JSON.stringify({ message: String(error) }));
      },
    );
  });
  const handle = async (
    request: IncomingMessage,
  ): Promise<{ status: number; body?: unknown; location?: string }> => {
    const url = new URL(request.url ?? '/', 'http://github.test');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body =
      chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    const path = url.pathname;
    const repoPath = `/repos/${repo.fullName}`;
    if (path === '/login/oauth/authorize') {
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', 'stand-in-code');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return { status: 302, location: back.toString() };
    }
    if (path === '/login/oauth/access_token') return { status: 200, body: { access_token: 'gho_stand_in' } };
    if (path === '/user') return { status: 200, body: user };
    if (path === '/user/repos')
      return {
        status: 200,
        body:
          url.searchParams.get('page') === '1'
            ? [{ id: repo.id, full_name: repo.fullName, private: true, permissions: { admin: true } }]
            : [],
      };
    if (path === `${repoPath}/hooks` && request.method === 'POST') {
      hooks.push(body as StandInGitHub['hooks'][number]);
      return { status: 201, body: { id: 700 + hooks.length } };
    }
    if (path === `${repoPath}/keys` && request.method === 'POST') return { status: 201, body: { id: 800 } };
    const tree = path.match(new RegExp(`^${repoPath}/git/trees/([0-9a-f]{40})$`));
    if (tree?.[1]) {
      const files = commits.get(tree[1]) ?? {};
      const entries = Object.entries(files).map(([file, text], i) => {
        const sha = `${tree[1]?.slice(0, 30)}${String(i).padStart(10, '0')}`;
        blobs.set(sha, text);
        return { path: file, type: 'blob', sha, size: Buffer.byteLength(text) };
      });
      return { status: 200, body: { truncated: false, tree: entries } };
    }
    const blob = path.match(new RegExp(`^${repoPath}/git/blobs/([0-9a-f]+)$`));
    if (blob?.[1] && blobs.has(blob[1]))
      return {
        status: 200,
        body: { content: Buffer.from(blobs.get(blob[1]) ?? '').toString('base64'), encoding: 'base64' },
      };
    const status = path.match(new RegExp(`^${repoPath}/statuses/([0-9a-f]{40})$`));
    if (status?.[1] && request.method === 'POST') {
      statuses.push({ sha: status[1], ...(body as Omit<StandInGitHub['statuses'][number], 'sha'>) });
      return { status: 201, body: {} };
    }
    return { status: 404, body: { message: 'Not Found' } };
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standIn: StandInGitHub = {
    url: `http://127.0.0.1:${port}`,
    hooks,
    statuses,
    commits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return standIn;
}
