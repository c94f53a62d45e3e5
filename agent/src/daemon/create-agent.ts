import type { Logger } from '@dockercise/shared';
import type { AgentBackend } from '../backend/agent-backend.js';
import { GitMirrors } from '../checkout/git-mirrors.js';
import { CredentialsHost } from '../credentials/credentials-host.js';
import type { DiskOps } from '../engine/disk-ops.js';
import type { ContainerEngine } from '../engine/engine.js';
import { RUN_LABEL } from '../runner/run-options.js';
import { Agent, type AgentOptions } from './agent.js';
import { agentVersion } from './agent-version.js';
import { HostDiskJanitor } from './disk-janitor.js';
import { HostReporter } from './host-reporter.js';
import type { JobSettings } from './job-handler.js';

/** What varies between agents: how many jobs and steps at once, their timings and limits. */
export interface AgentSettings extends AgentOptions, JobSettings {
  /** The EC2 instance it runs on, when it does: its reports name it. */
  instanceId?: string;
  /** How old unused images and stale volumes may get, and how much disk stays free (7 days, 20%). */
  disk?: { keepDays?: number; minFreeRatio?: number };
  /** The roles steps may have (`aws-role`): the stack's StepRoleArns on a host; any, when not given. */
  stepRoleArns?: readonly string[];
}

/** The machine the agent runs on: its engine, and the engine's disk when the agent should keep it in check. */
export interface AgentMachine {
  engine: ContainerEngine & { ping(): Promise<void> };
  disk?: DiskOps;
  /** Where the host keeps a bare mirror of each repository it checks out (kept with the disk). */
  mirrorsDir?: string;
  logger: Logger;
}

/**
 * The one way an agent is made: a backend (`createBackend` of backends/aws or backends/local), its
 * settings, and the machine it runs on. `dockercise-agent` on a host, the local server and the
 * tests all come through here, so the tests run what ships.
 */
export function createAgent(backend: AgentBackend, settings: AgentSettings, machine: AgentMachine): Agent {
  const { logger, disk } = machine;
  const reports = backend.hostReports;
  return new Agent(
    {
      backend,
      engine: machine.engine,
      jobs: settings,
      ...(reports && settings.instanceId
        ? {
            host: new HostReporter(
              reports,
              { instanceId: settings.instanceId, agentVersion: agentVersion() },
              logger,
            ),
          }
        : {}),
      ...(disk
        ? {
            disk: new HostDiskJanitor(disk, logger, {
              keepDays: settings.disk?.keepDays ?? 7,
              minFreeRatio: settings.disk?.minFreeRatio ?? 0.2,
              runLabel: RUN_LABEL,
            }),
          }
        : {}),
      ...(machine.mirrorsDir ? { mirrors: new GitMirrors(machine.mirrorsDir, logger) } : {}),
      ...(backend.roleAssumer
        ? {
            credentials: new CredentialsHost(
              machine.engine,
              backend.roleAssumer,
              logger,
              settings.stepRoleArns,
            ),
          }
        : {}),
      logger,
    },
    settings,
  );
}
