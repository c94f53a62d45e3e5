/**
 * Where a run's pieces live in the customer's account (and, in the same shape, in the local
 * server's folder). The agent writes them and the control plane reads them, so both take every
 * name from here.
 *
 *   runs/<pipeline>/<run-id>/result.json        the run (result.ts documents the files inside)
 *   runs/<pipeline>/<run-id>/cancel             the control plane's request to cancel
 *   plans/<run-id>.json                         a plan too large for a queue message
 *   jobs/<nonce>                                a signed job an agent has accepted
 *   hosts/<instance-id>.json                    an agent host's state (host.ts)
 *   <pipeline>/<run-id>/<step>                  a step's CloudWatch Logs stream
 */
export const runPrefix = (pipeline: string, runId: string): string => `runs/${pipeline}/${runId}/`;
export const CANCEL_MARKER = 'cancel';
export const planKey = (runId: string): string => `plans/${runId}.json`;
export const jobRecordKey = (nonce: string): string => `jobs/${nonce}`;
export const HOSTS_PREFIX = 'hosts/';
export const hostKey = (instanceId: string): string => `${HOSTS_PREFIX}${instanceId}.json`;
export const logStreamPrefix = (pipeline: string, runId: string): string => `${pipeline}/${runId}/`;
export const logStreamName = (pipeline: string, runId: string, step: string): string =>
  logStreamPrefix(pipeline, runId) + step;

/** The log of a step's service: a name no step can have (step names hold no dot), beside the step's. */
export const serviceLogName = (step: string, service: string): string => `${step}.${service}`;

/** A name the logs route serves: a step's, or one of its services'. */
export const LOG_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)?$/;

/** Where a pipeline's caches live in the bucket: each key's archive, the key legible in its name. */
export const cachePrefix = (pipeline: string, keyPrefix = ''): string =>
  `cache/${pipeline}/${encodeURIComponent(keyPrefix)}`;
export const cacheObjectKey = (pipeline: string, key: string): string =>
  `${cachePrefix(pipeline, key)}.tar.gz`;
