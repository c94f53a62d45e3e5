import { z } from 'zod';

/** What GitHub said, by kind: the caller retries a rate limit, reconnects on 401, reports 404. */
export class GitHubError extends Error {
  override readonly name: string = 'GitHubError';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
export class GitHubUnauthorizedError extends GitHubError {
  override readonly name = 'GitHubUnauthorizedError';
}
export class GitHubNotFoundError extends GitHubError {
  override readonly name = 'GitHubNotFoundError';
}
export class GitHubRateLimitError extends GitHubError {
  override readonly name = 'GitHubRateLimitError';
  constructor(
    message: string,
    readonly resetAt: Date,
  ) {
    super(message, 403);
  }
}

const userSchema = z.object({ id: z.number(), login: z.string() });
const repoSchema = z.object({
  id: z.number(),
  full_name: z.string(),
  private: z.boolean(),
  default_branch: z.string().optional(),
  permissions: z.object({ admin: z.boolean().optional() }).optional(),
});
const treeSchema = z.object({
  truncated: z.boolean(),
  tree: z.array(
    z.object({ path: z.string(), type: z.string(), sha: z.string(), size: z.number().optional() }),
  ),
});
const blobSchema = z.object({ content: z.string(), encoding: z.string() });
const idSchema = z.object({ id: z.number() });
const tokenSchema = z
  .object({ access_token: z.string() })
  .or(z.object({ error: z.string(), error_description: z.string().optional() }));

export type GitHubRepo = z.infer<typeof repoSchema>;

export interface CommitStatus {
  state: 'pending' | 'success' | 'failure' | 'error';
  targetUrl: string;
  description: string;
  context: string;
}

export interface GitHubOptions {
  apiUrl?: string;
  webUrl?: string;
  clientId: string;
  clientSecret: string;
}

/** The slice of GitHub's REST API the control plane uses, validated at the edge. */
export class GitHub {
  private readonly api: string;
  private readonly web: string;

  constructor(private readonly options: GitHubOptions) {
    this.api = options.apiUrl ?? 'https://api.github.com';
    this.web = options.webUrl ?? 'https://github.com';
  }

  authorizeUrl(state: string, redirectUri: string): string {
    const query = new URLSearchParams({
      client_id: this.options.clientId,
      redirect_uri: redirectUri,
      state,
      // `repo` alone covers everything dockercise does: listing private repositories, reading a
      // commit's tree and files, adding the push webhook and the read-only deploy key. The
      // `admin:repo_hook` asked for before added nothing but org-wide hook administration.
      // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
      scope: 'repo',
    });
    return `${this.web}/login/oauth/authorize?${query}`;
  }

  /** The OAuth web flow's second half: the code for a user token. */
  async exchangeCode(code: string, redirectUri: string): Promise<string> {
    const response = await fetch(`${this.web}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        code,
        redirect_uri: redirectUri,
      }),
    });
    if (!response.ok)
      throw new GitHubError(`GitHub refused the OAuth exchange: HTTP ${response.status}`, response.status);
    const body = tokenSchema.parse(await response.json());
    if ('error' in body)
      throw new GitHubUnauthorizedError(
        `GitHub refused the OAuth code: ${body.error_description ?? body.error}`,
        401,
      );
    return body.access_token;
  }

  async user(token: string): Promise<{ id: number; login: string }> {
    return userSchema.parse(await this.request(token, 'GET', '/user'));
  }

  /** Every repository the user can see, following the pagination. */
  async repos(token: string): Promise<GitHubRepo[]> {
    const all: GitHubRepo[] = [];
    for (let page = 1; page <= 50; page++) {
      const batch = z
        .array(repoSchema)
        .parse(await this.request(token, 'GET', `/user/repos?per_page=100&page=${page}&sort=full_name`));
      all.push(...batch);
      if (batch.length < 100) break;
    }
    return all;
  }

  async createPushHook(token: string, repo: string, url: string, secret: string): Promise<number> {
    const body = {
      name: 'web',
      active: true,
      events: ['push', 'pull_request'],
      config: { url, content_type: 'json', secret, insecure_ssl: '0' },
    };
    return idSchema.parse(await this.request(token, 'POST', `/repos/${repo}/hooks`, body)).id;
  }

  async deleteHook(token: string, repo: string, id: number): Promise<void> {
    await this.request(token, 'DELETE', `/repos/${repo}/hooks/${id}`, undefined, true);
  }

  async addDeployKey(token: string, repo: string, title: string, key: string): Promise<number> {
    return idSchema.parse(
      await this.request(token, 'POST', `/repos/${repo}/keys`, { title, key, read_only: true }),
    ).id;
  }

  async deleteDeployKey(token: string, repo: string, id: number): Promise<void> {
    await this.request(token, 'DELETE', `/repos/${repo}/keys/${id}`, undefined, true);
  }

  /** Paths and blob ids of every file at a commit. */
  async tree(token: string, repo: string, commit: string): Promise<z.infer<typeof treeSchema>> {
    return treeSchema.parse(
      await this.request(token, 'GET', `/repos/${repo}/git/trees/${encodeURIComponent(commit)}?recursive=1`),
    );
  }

  async blob(token: string, repo: string, sha: string): Promise<string> {
    const blob = blobSchema.parse(await this.request(token, 'GET', `/repos/${repo}/git/blobs/${sha}`));
    return blob.encoding === 'base64' ? Buffer.from(blob.content, 'base64').toString('utf8') : blob.content;
  }

  /**
   * Sets a commit's status for one context: GitHub keeps the newest per context and shows it on
   * the commit and on every pull request whose head it is.
   * https://docs.github.com/en/rest/commits/statuses#create-a-commit-status
   */
  async createStatus(token: string, repo: string, sha: string, status: CommitStatus): Promise<void> {
    await this.request(token, 'POST', `/repos/${repo}/statuses/${encodeURIComponent(sha)}`, {
      state: status.state,
      target_url: status.targetUrl,
      // GitHub refuses a description longer than 140 characters.
      description:
        status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description,
      context: status.context,
    });
  }

  private async request(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    emptyOk = false,
  ): Promise<unknown> {
    const response = await fetch(`${this.api}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'dockercise-control-plane',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.ok) return emptyOk && response.status === 204 ? undefined : response.json();
    const what = `${method} ${path.split('?')[0]}`;
    const remaining = response.headers.get('x-ratelimit-remaining');
    if (
      (response.status === 403 || response.status === 429) &&
      (remaining === '0' || response.headers.has('retry-after'))
    ) {
      const reset = Number(response.headers.get('x-ratelimit-reset') ?? 0);
      const retryAfter = Number(response.headers.get('retry-after') ?? 0);
      const resetAt =
        reset > 0 ? new Date(reset * 1000) : new Date(Date.now() + Math.max(60, retryAfter) * 1000);
      throw new GitHubRateLimitError(
        `GitHub's rate limit was reached (${what}); it resets at ${resetAt.toISOString()}`,
        resetAt,
      );
    }
    if (response.status === 401)
      throw new GitHubUnauthorizedError(`GitHub refused the token (${what}): reconnect GitHub`, 401);
    if (response.status === 404) {
      if (emptyOk && method === 'DELETE') return undefined; // already gone: nothing to undo
      throw new GitHubNotFoundError(`not found on GitHub (${what}), or not visible to this token`, 404);
    }
    throw new GitHubError(`GitHub answered ${response.status} (${what})`, response.status);
  }
}
