// (l) image builds: rebuilding a five-layer image after a one-line source change, with the host's
// layer cache (what a warm-pool host keeps on its disk), against the same build with no cache.
import { DockerEngine } from '@dockercise/agent';
import Docker from 'dockerode';
import * as tar from 'tar-stream';
import { median } from './stats.js';

const IMAGE = 'dockercise-test/busybox:latest';

/** Four layers of real work (files written and compressed), then the source: a typical Dockerfile. */
const DOCKERFILE = `FROM ${IMAGE}
RUN for i in $(seq 1 400); do seq 1 2000 > /tmp/f$i; done && tar -czf /deps.tgz /tmp && rm -rf /tmp/f*
RUN dd if=/dev/urandom of=/blob bs=1M count=24 2>/dev/null && gzip -1 /blob
RUN for i in $(seq 1 300); do mkdir -p /lib/m$i && seq 1 500 > /lib/m$i/index; done
RUN find /lib -type f | sort | xargs cat | md5sum > /lib.sum
COPY src.txt /src.txt
`;

function context(source) {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, DOCKERFILE);
  pack.entry({ name: 'src.txt' }, source);
  pack.finalize();
  return pack;
}

export async function buildBenchmarks(results, rounds = 3) {
  const docker = new Docker();
  const engine = new DockerEngine(docker);
  const build = { dockerfile: 'Dockerfile', args: {}, labels: { 'dockercise.bench': 'build' } };
  const cold = [];
  const warm = [];
  // The cache filled once, as the build before this change left it.
  await engine.buildImage(context('line 0\n'), build, () => {});
  for (let round = 1; round <= rounds; round++) {
    let started = performance.now();
    // What a build with no cache takes: the same context, the same engine, nothing reused.
    const stream = await docker.buildImage(context(`line ${round} cold\n`), {
      dockerfile: 'Dockerfile',
      nocache: true,
      rm: true,
      forcerm: true,
    });
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
    );
    cold.push(performance.now() - started);
    started = performance.now();
    await engine.buildImage(context(`line ${round}\n`), build, () => {});
    warm.push(performance.now() - started);
  }
  await docker
    .pruneImages({ filters: JSON.stringify({ label: ['dockercise.bench=build'], dangling: ['false'] }) })
    .catch(() => {});
  results.push({
    name: '(l) image rebuild',
    detail: `a five-layer Dockerfile (four RUN layers of work, then COPY of the source), one source line changed, built by the engine through dockercise with the host's layer cache; median of ${rounds}`,
    baseline: `no cache ${(median(cold) / 1000).toFixed(2)} s`,
    measured: `host cache ${(median(warm) / 1000).toFixed(2)} s`,
    ratio: median(warm) / median(cold),
    goal: 0.2,
  });
}
