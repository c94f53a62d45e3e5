// The load side of (e), in its own process so it does not share the servers' event loops.
// Usage: node webhook-load.js URL[,URL…] SECRET SECONDS CONNECTIONS — prints, as JSON, each URL's
// autocannon result. The connections are shared among the URLs (one process either way, so one
// replica or two meet the same load generator).
import { createHmac, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

const [urls, secret, seconds, connections] = process.argv.slice(2);
// Each delivery is a distinct push (a body seen before is a replay, and builds nothing).
const delivery = () => {
  const id = randomUUID();
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    after: 'c'.repeat(40),
    repository: { id: 42, full_name: 'bench/app' },
    bench_delivery: id,
  });
  return { id, body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
};
const targets = urls.split(',');
const each = Math.max(1, Math.round(Number(connections) / targets.length));
const results = await Promise.all(
  targets.map(async (url) => {
    const statuses = {};
    const result = await autocannon({
      url,
      connections: each,
      duration: Number(seconds),
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const { id, body, signature } = delivery();
            return {
              ...request,
              body,
              headers: {
                'content-type': 'application/json',
                'x-github-event': 'push',
                'x-github-hook-id': '7',
                'x-hub-signature-256': signature,
                'x-github-delivery': id,
              },
            };
          },
          onResponse: (status) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
          },
        },
      ],
    });
    return { statuses, latency: result.latency, non2xx: result.non2xx };
  }),
);
process.stdout.write(JSON.stringify(results));
