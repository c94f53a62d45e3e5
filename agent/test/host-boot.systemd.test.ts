import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate, userData } from '../../cloudformation/test/template.js';
import { endpoint, eventually, REGION } from './aws-harness.js';
import { groupHosts } from './host-group-harness.js';
import { type Imds, imdsServer } from './imds.js';
import { deployStack, launchParameters } from './stack-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'dockercise-test/host-systemd';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const inHost = (container: string, command: string) => docker('exec', container, 'bash', '-c', command);

/** The agent's tarball, packed as the release is, served on loopback as the control plane serves it. */
function servedTarball(): Promise<{ url: string; sha256: string; server: Server }> {
  const out = mkdtempSync(join(tmpdir(), 'boot-agent-'));
  const tarball = execFileSync('bash', [`${ROOT}scripts/pack-agent.sh`, out], { encoding: 'utf8' }).trim();
  const bytes = readFileSync(tarball);
  const server = createServer((_, res) => res.end(bytes));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/dockercise-agent-0.1.0.tgz`,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        server,
      });
    }),
  );
}

/**
 * What only EC2 gives a host, stood in for at the edge: the `aws` command reaches moto (and records
 * each call's arguments for the IAM test), Docker is the test machine's engine through its socket,
 * Node is this one's, the metadata service is imds.ts. Everything else — the units, the boot
 * script, systemd's ordering, the agent's tarball — is what ships.
 */
function edgeFiles(dir: string, imds: string, calls: string): void {
  const moto = endpoint();
  writeFileSync(
    join(dir, 'aws'),
    `#!/bin/bash
python3 -c 'import json,sys; print(json.dumps({"principal": "AgentRole", "cli": sys.argv[1:]}))' "$@" >>/calls/cli-boot.jsonl
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
exec /usr/bin/aws --endpoint-url ${moto} "$@"
`,
  );
  chmodSync(join(dir, 'aws'), 0o755);
  writeFileSync(
    join(dir, 'docker.service'),
    '[Unit]\nDescription=the test machine engine, through its socket\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n',
  );
  writeFileSync(join(dir, 'boot.conf'), `[Service]\nEnvironment=DOCKERCISE_IMDS=${imds}\n`);
  writeFileSync(
    join(dir, 'agent.conf'),
    `[Service]\nEnvironment=DOCKERCISE_AWS_ENDPOINT=${moto} DOCKERCISE_METADATA_ENDPOINT=${imds}\n` +
      `Environment=AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test DOCKERCISE_AWS_CALL_LOG=/calls\n`,
  );
  writeFileSync(
    join(dir, 'prepare.sh'),
    `set -e
install -m 0755 /edge/aws /usr/local/bin/aws
install -m 0644 /edge/docker.service /etc/systemd/system/docker.service
install -D -m 0644 /edge/boot.conf /etc/systemd/system/dockercise-boot.service.d/edge.conf
install -D -m 0644 /edge/agent.conf /etc/systemd/system/dockercise-agent.service.d/edge.conf
systemctl daemon-reload
`,
  );
  mkdirSync(calls, { recursive: true });
}

/** Changes the settings a host reads at every boot (the stack's SSM parameter). */
async function changeSettings(name: string, change: Record<string, string>): Promise<void> {
  const ssm = new SSMClient({ region: REGION, endpoint: endpoint() });
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
  const settings = { ...(JSON.parse(Parameter?.Value ?? '{}') as object), ...change };
  await ssm.send(
    new PutParameterCommand({ Name: name, Value: JSON.stringify(settings), Type: 'String', Overwrite: true }),
  );
}

describe("a customer host's boot under systemd (Debian's, as PID 1), against moto", () => {
  let container = '';
  let imds: Imds;
  let target = 'Warmed:Stopped';
  let tarball: Awaited<ReturnType<typeof servedTarball>>;
  let calls = '';
  const recorded = (pattern: RegExp) =>
    readdirSync(calls).some((f) => pattern.test(readFileSync(join(calls, f), 'utf8')));

  beforeAll(async () => {
    tarball = await servedTarball();
    const stackName = `boot-${randomUUID().slice(0, 8)}`;
    const stack = await deployStack(
      stackName,
      launchParameters('x'.repeat(40), {
        AgentTarballSha256: tarball.sha256,
        AgentTarballUrl: 'https://control-plane.example/agent/dockercise-agent-0.1.0.tgz',
      }),
    );
    // The template asks for https; the tests' control plane serves plain HTTP on loopback.
    await changeSettings(`/dockercise/${stackName}/agent`, { tarballUrl: tarball.url });
    // A host the stack's group launched in moto: its hook, protection and policy calls then land.
    const group = stack.outputs.HostGroupName ?? '';
    await new AutoScalingClient({ region: REGION, endpoint: endpoint() }).send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: group, DesiredCapacity: 1 }),
    );
    const [instance = ''] = await groupHosts(group, 1);
    imds = await imdsServer(instance, REGION, async () => target);
    const edge = mkdtempSync(join(tmpdir(), 'boot-edge-'));
    calls = join(process.env.DOCKERCISE_AWS_CALL_LOG ?? join(edge, 'calls'), `boot-${stackName}`);
    edgeFiles(edge, imds.url, calls);
    const script = userData(loadTemplate())
      .replaceAll('${AWS::StackName}', stackName)
      .replaceAll('${AWS::Region}', REGION)
      .replaceAll('${!', '${');
    writeFileSync(join(edge, 'user-data'), script);
    docker('image', 'inspect', IMAGE);
    container = docker(
      'run',
      '-d',
      '--network',
      'host',
      '--tmpfs',
      '/run',
      '--tmpfs',
      '/run/lock',
      '-v',
      '/sys/fs/cgroup:/sys/fs/cgroup:ro',
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      '-v',
      `${execFileSync('which', ['docker'], { encoding: 'utf8' }).trim()}:/usr/bin/docker:ro`,
      '-v',
      `${process.execPath}:/usr/bin/node-22:ro`,
      '-v',
      `${edge}:/edge:ro`,
      '-v',
      `${calls}:/calls`,
      '--label',
      'dockercise-test=host-boot',
      IMAGE,
    );
    await eventually(
      async () => {
        try {
          return (
            /running|degraded/.test(inHost(container, 'systemctl is-system-running || true')) || undefined
          );
        } catch {
          return undefined;
        }
      },
      30_000,
      'systemd to come up',
    );
    inHost(container, 'bash /edge/prepare.sh');
  });

  afterAll(async () => {
    if (container) docker('rm', '-f', container);
    await imds?.close();
    tarball?.server.close();
  });

  const unitState = (unit: string) => inHost(container, `systemctl show -p ActiveState --value ${unit}`);

  it('launched into the warm pool: installs the agent, ships its log, ends the hook, and leaves the agent stopped', async () => {
    const started = Date.now();
    // As cloud-init runs UserData on a first boot.
    inHost(container, 'bash /edge/user-data');
    await eventually(
      async () => (unitState('dockercise-boot') === 'active' ? true : undefined),
      60_000,
      'the boot script to end',
    );
    const seconds = (Date.now() - started) / 1000;
    console.info(`warm-pool boot: boot script start → done in ${seconds.toFixed(1)} s`);
    expect(unitState('dockercise-agent')).toBe('inactive');
    // One release, named by version and digest.
    expect(inHost(container, 'readlink /opt/dockercise/current')).toBe(
      `/opt/dockercise/releases/0.1.0-${tarball.sha256.slice(0, 16)}`,
    );
    const cli = readFileSync(join(calls, 'cli-boot.jsonl'), 'utf8');
    // The log reaches the log group before the hook ends: a warm-pool host is stopped right after.
    expect(cli.indexOf('put-log-events')).toBeGreaterThan(-1);
    expect(cli.indexOf('put-log-events')).toBeLessThan(cli.indexOf('complete-lifecycle-action'));
  });

  it('started for work: the boot script starts the agent, which polls the queue within seconds', async () => {
    target = 'InService';
    const started = Date.now();
    // Every boot runs the boot unit again; a restart is that boot, on a host whose disk was kept.
    inHost(container, 'systemctl restart --no-block dockercise-boot');
    await eventually(
      async () => (recorded(/"command":"ReceiveMessage"/) ? true : undefined),
      60_000,
      'the agent to poll',
    );
    const seconds = (Date.now() - started) / 1000;
    console.info(`InService boot: boot script start → agent polling in ${seconds.toFixed(1)} s`);
    // Not waiting on each other: the boot unit ended, the agent runs.
    await eventually(
      async () => (unitState('dockercise-boot') === 'active' ? true : undefined),
      30_000,
      'the boot script to end',
    );
    expect(unitState('dockercise-agent')).toBe('active');
    expect(seconds).toBeLessThan(60);
  });

  it('fails a boot whose tarball does not match the stack, reports it, and leaves service', async () => {
    inHost(container, 'systemctl stop dockercise-agent; rm -rf /opt/dockercise/releases/*');
    // The digest comes from the settings parameter at each boot: point it at the wrong one there.
    const name = inHost(container, '. /etc/dockercise/host.env; echo $DOCKERCISE_SETTINGS_PARAMETER');
    await changeSettings(name, { tarballSha256: '0'.repeat(64) });
    // Never a blocking systemctl here: the metadata service answers from this process.
    inHost(container, 'systemctl restart --no-block dockercise-boot');
    await eventually(
      async () => (unitState('dockercise-boot') === 'failed' ? true : undefined),
      60_000,
      'the boot to fail',
    );
    const cli = readFileSync(join(calls, 'cli-boot.jsonl'), 'utf8');
    // Its log is kept in the bucket too, which outlives a rolled-back create.
    expect(cli).toMatch(/"s3:\/\/[^"]+\/hosts\/i-[0-9a-f]+\/boot\.log"/);
    expect(cli).toContain('"set-instance-protection"');
    expect(cli).toContain('"execute-policy"');
    expect(inHost(container, 'cat /var/log/dockercise/boot.log')).toContain('dockercise-boot failed at line');
  });
});
