import type { JobBody } from '@dockercise/shared/node';

/** What a run is of, as a step's session names it. */
export interface RunIdentity {
  runId: string;
  pipeline: string;
  repository?: string;
  branch?: string;
  tag?: string;
  event: string;
  /** A fork's pull request: never given a role. */
  fork?: boolean;
  /** Who approved each approved gate, where the job says. */
  approvers?: Readonly<Record<string, string>>;
}

/** IAM's characters for tag values; anything else becomes `_`. */
const TAG_VALUE = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;
const MAX_TAG_VALUE = 256;

/**
 * The session tags of a step's role session (`sts:TagSession`): what a deploy role's trust policy
 * checks as `aws:RequestTag/dockercise:<name>` — only this repository, only main, only after the
 * deploy gate. A tag the run has no value for is left out, so a condition on it fails closed.
 */
export function sessionTags(run: RunIdentity, step: string, gate?: string): Record<string, string> {
  const approvedBy = gate ? run.approvers?.[gate] : undefined;
  const tags: Record<string, string | undefined> = {
    'dockercise:repository': run.repository,
    'dockercise:branch': run.branch,
    'dockercise:tag': run.tag,
    'dockercise:event': run.event,
    'dockercise:pipeline': run.pipeline,
    'dockercise:step': step,
    'dockercise:gate': gate,
    'dockercise:approved-by': approvedBy,
  };
  return Object.fromEntries(
    Object.entries(tags).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, value.replace(TAG_VALUE, '_').slice(0, MAX_TAG_VALUE)]],
    ),
  );
}

/** `<run>.<step>`, in a session name's characters and length (CloudTrail shows it with the role). */
export function sessionName(runId: string, step: string): string {
  return `${runId}.${step}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** What a job's run is of, as its steps' role sessions are tagged with it. */
export function runIdentityOf(body: JobBody): RunIdentity {
  return {
    runId: body.runId,
    pipeline: body.pipeline,
    repository: body.source.repository,
    ...(body.source.branch ? { branch: body.source.branch } : {}),
    ...(body.source.tag ? { tag: body.source.tag } : {}),
    event: body.event ?? 'push',
    ...(body.fork ? { fork: true } : {}),
    ...(body.approvers ? { approvers: body.approvers } : {}),
  };
}
