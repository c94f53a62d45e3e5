import { describe, expect, it } from 'vitest';
import { parseMemory, toDockerCreateOptions } from './docker-convert.js';
import type { ContainerSpec } from './engine.js';

const spec: ContainerSpec = {
  name: 'dockercise-r-build',
  image: 'busybox',
  command: ['/bin/sh', '-c', 'make'],
  env: { CI: 'true', A: 'x=y' },
  workdir: '/workspace',
  labels: { 'dockercise.run': 'r', 'dockercise.step': 'build' },
  volumes: [{ volume: 'dockercise-r-code', target: '/workspace' }],
  files: [{ source: '/tmp/out/code', target: '/dockercise/outputs/code' }],
  limits: { memoryBytes: 512 * 1024 * 1024, cpus: 1.5 },
};

describe('toDockerCreateOptions', () => {
  it('never makes a privileged container, never a TTY, always an init process', () => {
    const options = toDockerCreateOptions(spec);
    expect(options.HostConfig?.Privileged).toBe(false);
    expect(options.Tty).toBe(false);
    expect(options.HostConfig?.Init).toBe(true);
    expect(options.HostConfig?.AutoRemove).toBe(false);
    expect(options.HostConfig?.LogConfig).toEqual({ Type: 'none', Config: {} });
    expect(options.HostConfig?.SecurityOpt).toEqual(['no-new-privileges']);
  });

  it('drops every capability but a documented few, bounds processes, and joins the run network', () => {
    const options = toDockerCreateOptions({ ...spec, network: 'dockercise-r' });
    expect(options.HostConfig?.CapDrop).toEqual(['ALL']);
    expect(options.HostConfig?.CapAdd).toEqual([
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'SETUID',
      'SETGID',
      'KILL',
      'NET_BIND_SERVICE',
    ]);
    expect(options.HostConfig?.CapAdd).not.toContain('NET_RAW');
    expect(options.HostConfig?.PidsLimit).toBe(4096);
    expect(options.HostConfig?.NetworkMode).toBe('dockercise-r');
  });

  it('mounts volumes read-write and output files read-only', () => {
    expect(toDockerCreateOptions(spec).HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'dockercise-r-code', Target: '/workspace', ReadOnly: false },
      { Type: 'bind', Source: '/tmp/out/code', Target: '/dockercise/outputs/code', ReadOnly: true },
    ]);
  });

  it('passes env, labels and limits', () => {
    const options = toDockerCreateOptions(spec);
    expect(options.Env).toEqual(['CI=true', 'A=x=y']);
    expect(options.Labels).toEqual(spec.labels);
    expect(options.HostConfig?.Memory).toBe(536870912);
    expect(options.HostConfig?.NanoCpus).toBe(1.5e9);
  });

  it('refuses to mount the Docker socket', () => {
    for (const source of ['/var/run/docker.sock', '/run/docker.sock', '/home/me/.docker/run/docker.sock']) {
      expect(() => toDockerCreateOptions({ ...spec, files: [{ source, target: '/x' }] })).toThrow(
        /Docker socket/,
      );
    }
  });
});

describe('parseMemory', () => {
  it('reads sizes', () => {
    expect(['512m', '2g', '1024', '1.5G', 'lots'].map(parseMemory)).toEqual([
      536870912,
      2147483648,
      1024,
      1610612736,
      undefined,
    ]);
  });
});
