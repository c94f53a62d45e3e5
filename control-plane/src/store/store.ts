import type { Plan, RunStatus } from '@dockercise/shared';

/**
 * The control plane's records, in one SQL store (sql-store.ts) over SQLite, the embedded default,
 * or PostgreSQL for several replicas. One contract test suite runs against both. Secrets arrive
 * and leave in clear: the store seals them at rest. Work that replicas share (builds, sending a
 * run, the reconciler) is taken with a claim that runs out, so a replica that dies mid-way leaves
 * it to another.
 */
export interface User {
  id: number;
  githubId: number;
  login: string;
  token: string;
  /** Sessions made before the last sign-out name an older version, and are refused. */
  sessionVersion: number;
}

export interface AwsAccount {
  accountId: string;
  ownerId: number;
  externalId: string;
  region: string;
  roleArn?: string;
  queueUrl?: string;
  deadLetterQueueUrl?: string;
  bucket?: string;
  logGroup?: string;
  /** The stack's Auto Scaling group of hosts, how many it may run, and how many runs each takes. */
  hostGroup?: string;
  maxHosts?: number;
  jobsPerHost?: number;
  verifiedAt?: string;
  /** When the control plane last set the group's size, and to what: a host starting since then. */
  capacityRequestedAt?: string;
  capacityWanted?: number;
}

/** One user's unproven claim on an AWS account: the ExternalId their stack's role must trust. */
export interface AccountClaim {
  userId: number;
  accountId: string;
  externalId: string;
  region: string;
  expiresAt: string;
}

export type StackOutputs = Required<
  Pick<
    AwsAccount,
    | 'roleArn'
    | 'queueUrl'
    | 'deadLetterQueueUrl'
    | 'bucket'
    | 'logGroup'
    | 'hostGroup'
    | 'maxHosts'
    | 'jobsPerHost'
    | 'region'
  >
>;

export interface Repo {
  id: number;
  fullName: string;
  ownerId: number;
  accountId: string;
  webhookId?: number;
  webhookSecret: string;
  deployKeyId?: number;
  deployPrivateKey: string;
}

/** A push waiting to become a run: recorded with its delivery, so a crash loses nothing. */
export interface Build {
  deliveryId: string;
  repoId: number;
  commit: string;
  branch?: string;
  /** The head commit's message, its first line: what the runs list shows. */
  message?: string;
  /** Who or what started it: the pusher's login, `dockercise trigger` and its user. */
  triggeredBy?: string;
  /** The files the push changed, when GitHub listed them all. */
  changed?: string[];
  /** What GitHub delivered: a push unless said. */
  event?: 'push' | 'pull_request';
  /** A pull request from a fork: its run waits for the repository owner's leave (RunRecord `held`). */
  held?: boolean;
  /** The ref steps fetch to find the commit: a pull request's `refs/pull/<n>/head`. */
  checkoutRef?: string;
  /** The repository's default branch, as GitHub said in the delivery. */
  defaultBranch?: string;
  /** A push of a tag: its name (the build is of no branch). */
  tag?: string;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  notBefore?: string;
  error?: string;
}

/** Where a run stands, as its result.json last said when the control plane read it. */
export interface RunSummary {
  status: RunStatus;
  startedAt: string;
  endedAt?: string | undefined;
  durationMs?: number | undefined;
  error?: string | undefined;
}

/** A push delivery as first recorded, with its body's digest (a replay under a new id is a duplicate). */
export type DeliveryClaim = Pick<
  Build,
  | 'deliveryId'
  | 'repoId'
  | 'commit'
  | 'branch'
  | 'message'
  | 'triggeredBy'
  | 'changed'
  | 'event'
  | 'held'
  | 'checkoutRef'
  | 'defaultBranch'
  | 'tag'
> & { bodySha256: string };

export interface RunRecord {
  runId: string;
  repoId: number;
  accountId: string;
  pipeline: string;
  commit: string;
  branch?: string;
  message?: string;
  triggeredBy?: string;
  changed?: string[];
  deliveryId?: string;
  /** recorded: not yet on the customer's queue; sent: it is; invalid: the pipeline did not compile. */
  status: 'recorded' | 'sent' | 'invalid';
  /** A fork's pull request: recorded but never sent until the repository's owner allows it. */
  held?: boolean;
  /** A fork's pull request, held or let go: its steps never get an AWS role. Set from `held` when recorded. */
  fork?: boolean;
  /** What started the run, as the language's `when: { event }` sees it: a push unless said. */
  event?: 'push' | 'pull_request';
  /** The ref steps fetch to find the commit (a fork's pull request is on no branch of the repository). */
  checkoutRef?: string;
  /** The repository's default branch: its caches are read after the run's own branch's. */
  defaultBranch?: string;
  /** A push of a tag: its name. */
  tag?: string;
  /** The compiled pipeline; absent for an invalid one, whose errors are kept instead. */
  plan?: Plan;
  errors?: string[];
  approvedGates: string[];
  createdAt: string;
  sentAt?: string;
  summary?: RunSummary;
  /** What GitHub was last told of the run (its commit status), if anything. */
  reportedStatus?: { state: 'pending' | 'success' | 'failure' | 'error'; description: string };
  /** The newest re-run asked for: every job for the run from then on carries it. */
  rerun?: RunRerun;
}

export interface RunRerun {
  attempt: number;
  scope: 'failed' | 'all';
}

export interface Approval {
  runId: string;
  gate: string;
  userId: number;
  login: string;
  approvedAt: string;
}

/** Who takes a piece of work, and until when: past `until` another may take it. */
export interface WorkClaim {
  holder: string;
  until: string;
}

export interface Store {
  upsertUser(user: Omit<User, 'id' | 'sessionVersion'>): Promise<User>;
  getUser(id: number): Promise<User | undefined>;
  /** Ends every session of the user (signing out). */
  endSessions(userId: number): Promise<void>;

  createAccount(
    account: Pick<AwsAccount, 'accountId' | 'ownerId' | 'externalId' | 'region'>,
  ): Promise<AwsAccount>;
  getAccount(accountId: string): Promise<AwsAccount | undefined>;
  /** Records (or renews) a user's claim; an unexpired claim keeps its ExternalId. */
  claimAccount(claim: AccountClaim, now: string): Promise<AccountClaim>;
  getClaim(userId: number, accountId: string): Promise<AccountClaim | undefined>;
  /** The user's connected accounts, and their claims still open, each once. */
  accountsOf(userId: number): Promise<{ accounts: AwsAccount[]; claims: AccountClaim[] }>;
  /**
   * Saves a verified stack's outputs. With `claim`, the account becomes the claimant's (unless
   * someone else's verified account holds it) and the claim is spent.
   */
  registerAccount(
    accountId: string,
    outputs: StackOutputs,
    verifiedAt: string,
    claim?: AccountClaim,
  ): Promise<AwsAccount>;

  saveRepo(repo: Repo): Promise<void>;
  getRepo(id: number): Promise<Repo | undefined>;
  getRepoByName(fullName: string): Promise<Repo | undefined>;
  /** The repository whose webhook has this id (GitHub's `X-GitHub-Hook-ID`). */
  getRepoByHookId(hookId: number): Promise<Repo | undefined>;
  deleteRepo(id: number): Promise<void>;

  /** Records a push delivery once; false when its id, or the same body, was seen before. */
  claimDelivery(build: DeliveryClaim, at: string): Promise<boolean>;
  /** Takes up to `limit` builds due by `now` that nobody else holds (the holder's own too), oldest first. */
  claimBuilds(now: string, claim: WorkClaim, limit: number): Promise<Build[]>;
  /** Every build waiting and due by `now`, held or not. */
  pendingBuilds(now: string): Promise<Build[]>;
  finishBuild(deliveryId: string, status: 'done' | 'failed', error?: string): Promise<void>;
  deferBuild(deliveryId: string, notBefore: string, error: string): Promise<void>;

  /** Records a run; a run for a delivery that already has one is not recorded twice. */
  recordRun(run: RunRecord): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Takes a recorded run for sending; false when it is sent already or another sender holds it. */
  claimRunSend(runId: string, now: string, claim: WorkClaim): Promise<boolean>;
  markRunSent(runId: string, at: string): Promise<void>;
  /** Marks a sent run to be sent again (its job was lost with a queue that did not survive). */
  requeueRun(runId: string): Promise<RunRecord | undefined>;
  unsentRuns(recordedBefore: string): Promise<RunRecord[]>;
  /** Lets a held run (a fork's pull request) go, to be sent. Undefined when it was not held. */
  releaseRun(runId: string): Promise<RunRecord | undefined>;
  /** Asks for the run to run again as a new attempt: marked to send, like a new run. */
  requestRerun(runId: string, rerun: RunRerun): Promise<RunRecord>;
  /** Runs recorded since `since` whose commit status is not final yet (none sent, or pending). */
  runsToReport(since: string): Promise<RunRecord[]>;
  saveReportedStatus(runId: string, status: NonNullable<RunRecord['reportedStatus']>): Promise<void>;
  /** Keeps what the run's result last said, for lists that should not read every result. */
  saveRunSummary(runId: string, summary: RunSummary): Promise<void>;
  /** The account's runs that need a host: sent or about to be, not held, neither ended nor at a gate. */
  activeRunCount(accountId: string): Promise<number>;
  /** Runs sent before `sentBefore` whose result has never been read: their host may never have come. */
  /** Runs sent in [sentAfter, sentBefore] with no result yet: their job waits on the queue. */
  strandedRuns(sentBefore: string, sentAfter: string): Promise<RunRecord[]>;
  /** Records that the account's group was set to `wanted` hosts at `at`. */
  saveCapacityRequest(accountId: string, wanted: number, at: string): Promise<void>;
  /** The account's newest runs, of every pipeline. */
  recentRuns(accountId: string, limit: number): Promise<RunRecord[]>;
  listRuns(accountId: string, pipeline: string, limit: number): Promise<RunRecord[]>;
  /** The account's pipelines that have runs, the most recently run first. */
  listPipelines(accountId: string): Promise<Array<{ pipeline: string; lastRunAt: string }>>;
  /** Records who approved a gate, adds it to the run's approved gates and marks the run to send again. */
  approveGate(approval: Omit<Approval, 'login'>): Promise<RunRecord>;
  approvals(runId: string): Promise<Approval[]>;

  /** A lease among replicas on a named task (the reconciler): true while it is `claim.holder`'s. */
  holdLease(name: string, now: string, claim: WorkClaim): Promise<boolean>;

  close(): Promise<void>;
}

/** The database cannot be reached (or is restarting): the request may succeed shortly (503). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
