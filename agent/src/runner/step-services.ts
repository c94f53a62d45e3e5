import {
  type Logger,
  type PlanService,
  type PlanStep,
  resultPaths,
  type StepResult,
  serviceLogName,
} from '@dockercise/shared';
import type { ContainerEngine, ContainerHandle, ResourceLimits } from '../engine/engine.js';
import type { LogSink, StepLog } from '../logs/log-sink.js';
import type { SecretMasker } from '../logs/secret-masker.js';
import { pumpOutput } from './output-pump.js';
import { RUN_LABEL, STEP_LABEL } from './run-options.js';
import type { RunResources } from './run-resources.js';

export type ServiceResult = NonNullable<StepResult['services']>[number];

/** How long between two readiness checks of a service that is not ready yet. */
const READY_POLL_MS = 500;

export interface ServiceContext {
  engine: ContainerEngine;
  resources: RunResources;
  runId: string;
  masker: SecretMasker;
  limits: Required<ResourceLimits>;
  /** A cancel of the run stops the wait for readiness. */
  cancel: AbortSignal;
  log: Logger;
}

/** A step's services while its attempt runs. */
export interface StartedServices {
  /** The step's own network: its containers and its services, each service by its name. */
  network: string;
  results: ServiceResult[];
  /** Why the step cannot run: a service that did not start, or was not ready in time. */
  error?: string;
  /** Stops and removes every service; their logs stay. Safe to call once the attempt ends. */
  stop(): Promise<void>;
}

/**
 * A step's service logs, opened once per step (every attempt writes on) and closed with the step.
 */
export class ServiceLogs {
  private readonly open = new Map<string, StepLog>();

  constructor(
    private readonly sink: LogSink,
    private readonly step: string,
  ) {}

  of(service: string): StepLog {
    let log = this.open.get(service);
    if (!log) {
      log = this.sink.open(serviceLogName(this.step, service));
      this.open.set(service, log);
    }
    return log;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((log) => log.close()));
  }
}

/**
 * Starts each of the step's services on the step's network and waits until every `ready` check
 * exits 0. On any failure the services that did start are still returned, so `stop` removes them.
 */
export async function startServices(
  step: PlanStep & { services: PlanService[] },
  logs: ServiceLogs,
  ctx: ServiceContext,
): Promise<StartedServices> {
  const network = await ctx.resources.stepNetwork(step.name);
  const started: Array<{ handle: ContainerHandle; pumped: Promise<unknown> }> = [];
  const results = await Promise.all(
    step.services.map(async (service): Promise<ServiceResult> => {
      const log = logs.of(service.name);
      const result: ServiceResult = {
        name: service.name,
        image: service.img,
        log: resultPaths.log(serviceLogName(step.name, service.name)),
      };
      try {
        await ctx.resources.image(service.img);
        const handle = await ctx.engine.setup({
          name: `dockercise-${ctx.runId}-${step.name}-svc-${service.name}`,
          image: service.img,
          command: service.run ? ['/bin/sh', '-c', service.run] : [],
          env: Object.fromEntries(service.env.map((e) => [e.name, e.value])),
          workdir: '',
          labels: { [RUN_LABEL]: ctx.runId, [STEP_LABEL]: step.name },
          volumes: [],
          files: [],
          network,
          aliases: [service.name],
          limits: ctx.limits,
        });
        const stream = await ctx.engine.start(handle);
        // Service logs are masked like a step's, and never captured: a service has no output.
        const pumped = pumpOutput(stream, ctx.masker, log, {
          capture: false,
          logStdout: true,
          withholdStderr: false,
          limit: 0,
          overflow: 'cut',
          onOverflow: () => {},
        }).catch((error: unknown) =>
          ctx.log.warn({ err: error, step: step.name, service: service.name }, 'service log lost'),
        );
        const exited = ctx.engine.wait(handle);
        started.push({ handle, pumped });
        const began = Date.now();
        const error = await waitUntilReady(ctx, handle, service, exited);
        if (error) result.error = error;
        else result.readyAfterMs = Date.now() - began;
      } catch (error) {
        result.error = `service ${service.name} did not start: ${(error as Error).message}`;
      }
      return result;
    }),
  );
  const failed = results.find((r) => r.error);
  const stop = async (): Promise<void> => {
    await Promise.all(
      started.map(async ({ handle, pumped }) => {
        await ctx.engine
          .destroy(handle)
          .catch((error: unknown) =>
            ctx.log.warn({ err: error, step: step.name }, 'could not remove a service'),
          );
        await pumped;
      }),
    );
  };
  return failed?.error ? { network, results, error: failed.error, stop } : { network, results, stop };
}

/** Undefined once the service is ready; otherwise why it is not. */
async function waitUntilReady(
  ctx: ServiceContext,
  handle: ContainerHandle,
  service: PlanService,
  exited: Promise<number>,
): Promise<string | undefined> {
  let exitCode: number | undefined;
  void exited.then(
    (code) => {
      exitCode = code;
    },
    () => {},
  );
  if (!service.ready) return undefined;
  const deadline = Date.now() + service.readyTimeout * 1000;
  let last: number | undefined;
  for (;;) {
    if (ctx.cancel.aborted) return 'cancelled';
    if (exitCode !== undefined)
      return `service ${service.name} exited with code ${exitCode} before it was ready`;
    last = await ctx.engine.exec(handle, ['/bin/sh', '-c', service.ready]).catch(() => undefined);
    if (last === 0) return undefined;
    if (Date.now() >= deadline)
      return `service ${service.name} was not ready within ${service.readyTimeout}s (its ready check last exited ${last ?? 'without a code'})`;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}
