import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerSpec } from './engine.js';

const DOCKER_SOCKET = /(^|\/)docker\.sock$|^\/var\/run\/docker|^\/run\/docker/;

/**
 * The capabilities a step keeps, of Docker's default set: what package managers and builds use
 * (installing as root, changing owners and modes, dropping to another user, killing children,
 * listening on low ports). Dropped from the default: NET_RAW (raw sockets: spoofing, ARP tricks on
 * the bridge), MKNOD, SETFCAP, SETPCAP, SYS_CHROOT and AUDIT_WRITE.
 */
export const STEP_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'SETUID',
  'SETGID',
  'KILL',
  'NET_BIND_SERVICE',
] as const;

/** Processes a step may have at once, unless the limits say otherwise. */
export const DEFAULT_PIDS_LIMIT = 4096;

/**
 * A container spec in Docker's terms. Pure, so what every step gets — never privileged, no Docker
 * socket, no TTY, an init process to forward signals — is checked without a Docker engine.
 */
export function toDockerCreateOptions(spec: ContainerSpec): ContainerCreateOptions {
  for (const file of spec.files) {
    if (DOCKER_SOCKET.test(file.source))
      throw new Error(`refusing to mount the Docker socket (${file.source}) into a step`);
  }
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.command.length > 0 ? { Cmd: spec.command } : {}),
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    Labels: spec.labels,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Privileged: false,
      // sh as PID 1 ignores SIGTERM; an init process forwards it so `docker stop` ends steps promptly.
      Init: true,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      CapAdd: [...STEP_CAPABILITIES],
      PidsLimit: spec.limits.pids ?? DEFAULT_PIDS_LIMIT,
      ...(spec.network ? { NetworkMode: spec.network } : {}),
      AutoRemove: false,
      // The runner reads every line through the attach stream and keeps the log itself; the
      // engine's own copy (json-file, a JSON object per line on disk) doubled the work: a
      // 200,000-line step ran in 0.8 s with it and 0.4 s without. `docker logs` shows nothing.
      LogConfig: { Type: 'none', Config: {} },
      Mounts: [
        ...spec.volumes.map((v) => ({
          Type: 'volume' as const,
          Source: v.volume,
          Target: v.target,
          ReadOnly: false,
        })),
        ...spec.files.map((f) => ({
          Type: 'bind' as const,
          Source: f.source,
          Target: f.target,
          ReadOnly: true,
        })),
      ],
      ...(spec.limits.memoryBytes ? { Memory: spec.limits.memoryBytes } : {}),
      ...(spec.limits.cpus ? { NanoCpus: Math.round(spec.limits.cpus * 1e9) } : {}),
    },
    ...(spec.network && spec.aliases?.length
      ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } } }
      : {}),
  };
}

/** `512m`, `2g`, `1048576` to bytes. */
export function parseMemory(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Math.round(Number(match[1]) * unit);
  return bytes > 0 ? bytes : undefined;
}
