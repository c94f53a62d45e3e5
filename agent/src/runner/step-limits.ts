import { availableParallelism, totalmem } from 'node:os';
import { DEFAULT_PIDS_LIMIT } from '../engine/docker-convert.js';
import type { ResourceLimits } from '../engine/engine.js';

/** The share of the host's memory one step may use when none is given: the agent keeps the rest. */
const DEFAULT_MEMORY_SHARE = 0.8;

/**
 * Every step runs with limits: the ones given, else most of the host's memory, its CPUs and a
 * bounded number of processes, so one runaway step cannot take the host (and the agent) down.
 */
export function stepLimits(given: ResourceLimits = {}): Required<ResourceLimits> {
  return {
    memoryBytes: given.memoryBytes ?? Math.floor(totalmem() * DEFAULT_MEMORY_SHARE),
    cpus: given.cpus ?? availableParallelism(),
    pids: given.pids ?? DEFAULT_PIDS_LIMIT,
  };
}
