import {
  type AccountListing,
  type AccountOverview,
  accountClaimSchema,
  accountListSchema,
  accountOverviewSchema,
  apiErrorSchema,
  approvalSchema,
  type Discovery,
  discoverySchema,
  type LogPageBody,
  logPageSchema,
  type PipelineSummary,
  pipelineListSchema,
  type RepoListing,
  type RunSummary,
  type RunView,
  repoListSchema,
  runListSchema,
  runViewSchema,
} from '@dockercise/shared';
import type { z } from 'zod';

/** Why a request failed, in the terms the viewer shows a person. */
export type ApiErrorKind = 'not-found' | 'not-allowed' | 'unreachable' | 'refused' | 'broken';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function errorKindOf(status: number): ApiErrorKind {
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'not-allowed';
  if (status === 502 || status === 503 || status === 504) return 'unreachable';
  if (status >= 400 && status < 500) return 'refused';
  return 'broken';
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A run's address: `/results/<account>/<pipeline>/<run>`. */
export interface RunRef {
  accountId: string;
  pipeline: string;
  runId: string;
}

/**
 * The control plane's results API. Every answer is validated here, once, into shared's types: a
 * view never sees unchecked JSON.
 */
export class ResultsApi {
  constructor(
    private readonly fetcher: Fetch = (input, init) => fetch(input, init),
    private readonly base = '/api',
  ) {}

  pipelines(accountId: string): Promise<PipelineSummary[]> {
    return this.json(`/results/${enc(accountId)}`, pipelineListSchema).then((b) => b.pipelines);
  }

  runs(accountId: string, pipeline: string): Promise<RunSummary[]> {
    return this.json(`/results/${enc(accountId)}/${enc(pipeline)}`, runListSchema).then((b) => b.runs);
  }

  run(ref: RunRef): Promise<RunView> {
    return this.json(runPath(ref), runViewSchema);
  }

  log(ref: RunRef, step: string, token?: string): Promise<LogPageBody> {
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    return this.json(`${runPath(ref)}/logs/${enc(step)}${query}`, logPageSchema);
  }

  /** Where a kept file is downloaded: the browser follows it (a presigned link hosted). */
  artifactUrl(ref: RunRef, step: string, path: string): string {
    return `${this.base}${runPath(ref)}/artifacts/${enc(step)}/${path.split('/').map(enc).join('/')}`;
  }

  async output(ref: RunRef, step: string): Promise<string | undefined> {
    const response = await this.send(`${runPath(ref)}/outputs/${enc(step)}`);
    if (response.status === 404) return undefined;
    if (!response.ok) throw await failure(response);
    return response.text();
  }

  approve(ref: RunRef, gate: string) {
    return this.json(`${runPath(ref)}/gates/${enc(gate)}/approve`, approvalSchema, { method: 'POST' });
  }

  async cancel(ref: RunRef): Promise<void> {
    const response = await this.send(`${runPath(ref)}/cancel`, { method: 'POST' });
    if (!response.ok) throw await failure(response);
  }

  /** Lets a fork's held pull request run. */
  async release(ref: RunRef): Promise<void> {
    const response = await this.send(`${runPath(ref)}/release`, { method: 'POST' });
    if (!response.ok) throw await failure(response);
  }

  /** Runs an ended run again as its next attempt: what failed, or all of it. Says which attempt. */
  async rerun(ref: RunRef, steps: 'failed' | 'all'): Promise<number> {
    const response = await this.send(`${runPath(ref)}/rerun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ steps }),
    });
    if (!response.ok) throw await failure(response);
    const body = (await response.json()) as { attempt?: unknown };
    return typeof body.attempt === 'number' ? body.attempt : 0;
  }

  /** The signed-in user's login; undefined when nobody is signed in. */
  async me(): Promise<string | undefined> {
    const response = await this.fetcher('/auth/me', { credentials: 'same-origin' }).catch(
      (error: unknown) => {
        throw new ApiError('unreachable', 'the control plane cannot be reached', undefined, { cause: error });
      },
    );
    if (response.status === 401) return undefined;
    if (!response.ok) throw await failure(response);
    const body = (await response.json()) as { login?: unknown };
    return typeof body.login === 'string' ? body.login : undefined;
  }

  accountOverview(accountId: string): Promise<AccountOverview> {
    return this.json(`/accounts/${enc(accountId)}/overview`, accountOverviewSchema);
  }

  accounts(): Promise<AccountListing[]> {
    return this.json('/accounts', accountListSchema).then((b) => b.accounts);
  }

  /** Starts connecting an AWS account: a claim with its own ExternalId, and the stack's launch link. */
  claimAccount(accountId: string, region: string) {
    return this.json('/accounts', accountClaimSchema, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId, region }),
    });
  }

  /** One look for the account's stack; connected once it is found and checked. */
  discover(accountId: string): Promise<Discovery> {
    return this.json(`/accounts/${enc(accountId)}/discover`, discoverySchema, { method: 'POST' });
  }

  repos(): Promise<RepoListing[]> {
    return this.json('/repos', repoListSchema).then((b) => b.repos);
  }

  /** Adds the webhook and the read-only deploy key; builds then run in `accountId`. */
  async connectRepo(fullName: string, accountId: string): Promise<void> {
    const response = await this.send(`/repos/${fullName.split('/').map(enc).join('/')}/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId }),
    });
    if (!response.ok) throw await failure(response);
  }

  async disconnectRepo(fullName: string): Promise<void> {
    const response = await this.send(`/repos/${fullName.split('/').map(enc).join('/')}`, {
      method: 'DELETE',
    });
    if (!response.ok) throw await failure(response);
  }

  /** The local server's account id; undefined from the hosted control plane (which has no /api/local). */
  async localAccount(): Promise<string | undefined> {
    const response = await this.send('/local');
    if (response.status === 404) return undefined;
    if (!response.ok) throw await failure(response);
    const body = (await response.json()) as { accountId?: unknown };
    return typeof body.accountId === 'string' ? body.accountId : undefined;
  }

  /** Local mode only: run the git repository holding `dir`. */
  async trigger(dir: string): Promise<{ url: string; status: string; errors?: string[] }> {
    const response = await this.send('/local/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dir }),
    });
    if (!response.ok) throw await failure(response);
    return (await response.json()) as { url: string; status: string; errors?: string[] };
  }

  private async json<T>(path: string, schema: z.ZodType<T>, init?: RequestInit): Promise<T> {
    const response = await this.send(path, init);
    if (!response.ok) throw await failure(response);
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ApiError('broken', 'the control plane answered something that is not JSON', response.status, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new ApiError('broken', 'the control plane answered in an unexpected shape', response.status, {
        cause: parsed.error,
      });
    return parsed.data;
  }

  private async send(path: string, init?: RequestInit): Promise<Response> {
    // The local server's token travels in its HttpOnly cookie (set by its one-time sign-in
    // link), which no script reads: the page never carries it.
    const headers = new Headers(init?.headers);
    try {
      return await this.fetcher(this.base + path, { credentials: 'same-origin', ...init, headers });
    } catch (error) {
      throw new ApiError('unreachable', 'the control plane cannot be reached', undefined, { cause: error });
    }
  }
}

const enc = encodeURIComponent;
const runPath = (ref: RunRef): string =>
  `/results/${enc(ref.accountId)}/${enc(ref.pipeline)}/${enc(ref.runId)}`;

async function failure(response: Response): Promise<ApiError> {
  const body = apiErrorSchema.safeParse(await response.json().catch(() => undefined));
  const message = body.success ? body.data.error : `the control plane answered ${response.status}`;
  return new ApiError(errorKindOf(response.status), message, response.status);
}
