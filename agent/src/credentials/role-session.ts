/** Short-lived credentials of a role, as STS gives them. */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** What a step's session is: the role, the session's name and the tags that say what asked. */
export interface AssumeRequest {
  roleArn: string;
  sessionName: string;
  tags: Record<string, string>;
}

/** Assumes a role for a step; refuses with `CredentialsRefusedError` where AWS says no. */
export interface RoleAssumer {
  assume(request: AssumeRequest): Promise<RoleCredentials>;
}

/**
 * The SDKs fetch again once what they hold is within 5–15 minutes of expiring (botocore's
 * advisory refresh is 15 minutes): served credentials always have more than this left, so a
 * step's SDK is never handed credentials it would refuse at once.
 */
export const REFRESH_BEFORE_MS = 20 * 60_000;

/**
 * One step's session of its role: assumed when first asked, and again once the credentials held
 * come within `REFRESH_BEFORE_MS` of expiring — a role assumed from another role (the instance
 * role) lasts at most an hour, so a three-hour step is served three or four sessions in turn.
 * Requests at once share one assume.
 */
export class RoleSession {
  private held: RoleCredentials | undefined;
  private pending: Promise<RoleCredentials> | undefined;

  constructor(
    private readonly assumer: RoleAssumer,
    private readonly request: AssumeRequest,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Promise<RoleCredentials> {
    const held = this.held;
    if (held && held.expiration.getTime() - this.now() > REFRESH_BEFORE_MS) return Promise.resolve(held);
    this.pending ??= this.assumer.assume(this.request).then(
      (fresh) => {
        this.held = fresh;
        this.pending = undefined;
        return fresh;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }
}
