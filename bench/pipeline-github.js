// A stand-in for GitHub's API on loopback, for control planes running as processes of their own
// (the replica tests and the webhook benchmark), where nock cannot reach: every repository's every
// commit holds the same pipeline files; trees can be slowed down; statuses are accepted and kept.
import { createServer } from 'node:http';

export async function startPipelineGitHub(files, options = {}) {
  const state = { delayMs: options.delayMs ?? 0, trees: 0, statuses: [] };
  const blobs = new Map(
    Object.entries(files).map(([path, text], i) => [String(i + 1).padStart(40, 'b'), { path, text }]),
  );
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://github.test');
    const reply = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      if (/^\/repos\/[^/]+\/[^/]+\/git\/trees\/[0-9a-f]{40}$/.test(url.pathname)) {
        state.trees++;
        const tree = [...blobs].map(([sha, { path, text }]) => ({
          path,
          type: 'blob',
          sha,
          size: Buffer.byteLength(text),
        }));
        setTimeout(() => reply(200, { truncated: false, tree }), state.delayMs);
        return;
      }
      const blob = /^\/repos\/[^/]+\/[^/]+\/git\/blobs\/([0-9a-f]{40})$/.exec(url.pathname);
      if (blob && blobs.has(blob[1])) {
        reply(200, { content: Buffer.from(blobs.get(blob[1]).text).toString('base64'), encoding: 'base64' });
        return;
      }
      const status = /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/.exec(url.pathname);
      if (status && request.method === 'POST') {
        state.statuses.push({
          repo: status[1],
          sha: status[2],
          ...JSON.parse(Buffer.concat(chunks).toString() || '{}'),
        });
        reply(201, {});
        return;
      }
      reply(404, { message: 'Not Found' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
