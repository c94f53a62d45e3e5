import type { SecretBox } from '../../crypto/secret-box.js';
import {
  accountFromRow,
  buildFromRow,
  claimFromRow,
  type Row,
  repoFromRow,
  runFromRow,
  userFromRow,
} from '../rows.js';
import type {
  AccountClaim,
  Approval,
  AwsAccount,
  Build,
  DeliveryClaim,
  Repo,
  RunRecord,
  RunRerun,
  RunSummary,
  StackOutputs,
  Store,
  User,
  WorkClaim,
} from '../store.js';
import { PgDb } from './pg-db.js';
import { PG_MIGRATIONS } from './pg-migrations.js';

/**
 * The store on PostgreSQL, for a control plane of several replicas: the same records as the
 * SQLite store, each method one round trip where it can be (RETURNING instead of a read after a
 * write), shared work taken with `FOR UPDATE SKIP LOCKED` so two replicas never take the same.
 */
export class PgStore implements Store {
  private constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  /** Connects and migrates (once, whichever replica gets the lock first). */
  static async open(url: string, box: SecretBox, poolSize?: number): Promise<PgStore> {
    const db = new PgDb(url, poolSize);
    try {
      await db.migrate(PG_MIGRATIONS);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PgStore(db, box);
  }

  /** Queries sent since the store was opened: what the benchmark counts per delivery. */
  get roundTrips(): number {
    return this.db.roundTrips;
  }

  private async one(
    text: string,
    params: ReadonlyArray<string | number | null> = [],
  ): Promise<Row | undefined> {
    return (await this.db.query(text, params))[0];
  }

  async upsertUser(user: Omit<User, 'id' | 'sessionVersion'>): Promise<User> {
    const row = await this.one(
      `INSERT INTO users (github_id, login, token, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (github_id) DO UPDATE SET login = excluded.login, token = excluded.token RETURNING *`,
      [user.githubId, user.login, this.box.seal(user.token), new Date().toISOString()],
    );
    return userFromRow(row as Row, this.box);
  }

  async getUser(id: number): Promise<User | undefined> {
    const row = await this.one('SELECT * FROM users WHERE id = $1', [id]);
    return row ? userFromRow(row, this.box) : undefined;
  }

  async endSessions(userId: number): Promise<void> {
    await this.db.query('UPDATE users SET session_version = session_version + 1 WHERE id = $1', [userId]);
  }

  async createAccount(
    account: Pick<AwsAccount, 'accountId' | 'ownerId' | 'externalId' | 'region'>,
  ): Promise<AwsAccount> {
    await this.db.query(
      `INSERT INTO aws_accounts (account_id, owner_id, external_id, region, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id) DO UPDATE SET external_id = excluded.external_id, region = excluded.region
         WHERE aws_accounts.owner_id = excluded.owner_id AND aws_accounts.verified_at IS NULL`,
      [
        account.accountId,
        account.ownerId,
        this.box.seal(account.externalId),
        account.region,
        new Date().toISOString(),
      ],
    );
    return (await this.getAccount(account.accountId)) as AwsAccount;
  }

  async getAccount(accountId: string): Promise<AwsAccount | undefined> {
    const row = await this.one('SELECT * FROM aws_accounts WHERE account_id = $1', [accountId]);
    return row ? accountFromRow(row, this.box) : undefined;
  }

  async claimAccount(claim: AccountClaim, now: string): Promise<AccountClaim> {
    const row = await this.one(
      `INSERT INTO account_claims (user_id, account_id, external_id, region, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, account_id) DO UPDATE SET region = excluded.region, expires_at = excluded.expires_at,
           external_id = CASE WHEN account_claims.expires_at > $6 THEN account_claims.external_id ELSE excluded.external_id END
         RETURNING *`,
      [claim.userId, claim.accountId, this.box.seal(claim.externalId), claim.region, claim.expiresAt, now],
    );
    return claimFromRow(row as Row, this.box);
  }

  async getClaim(userId: number, accountId: string): Promise<AccountClaim | undefined> {
    const row = await this.one('SELECT * FROM account_claims WHERE user_id = $1 AND account_id = $2', [
      userId,
      accountId,
    ]);
    return row ? claimFromRow(row, this.box) : undefined;
  }

  async accountsOf(userId: number): Promise<{ accounts: AwsAccount[]; claims: AccountClaim[] }> {
    const [accounts, claims] = await Promise.all([
      this.db.query(
        'SELECT * FROM aws_accounts WHERE owner_id = $1 AND verified_at IS NOT NULL ORDER BY account_id',
        [userId],
      ),
      this.db.query('SELECT * FROM account_claims WHERE user_id = $1 ORDER BY account_id', [userId]),
    ]);
    return {
      accounts: accounts.map((row) => accountFromRow(row, this.box)),
      claims: claims.map((row) => claimFromRow(row, this.box)),
    };
  }

  async registerAccount(
    accountId: string,
    o: StackOutputs,
    verifiedAt: string,
    claim?: AccountClaim,
  ): Promise<AwsAccount> {
    return this.db.transaction(async (q) => {
      if (claim) {
        // An unverified row (from before claims, or the claimant's own) gives way; a verified
        // account of someone else's does not.
        await q.query(
          `INSERT INTO aws_accounts (account_id, owner_id, external_id, region, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id) DO UPDATE SET owner_id = excluded.owner_id, external_id = excluded.external_id
             WHERE aws_accounts.verified_at IS NULL OR aws_accounts.owner_id = excluded.owner_id`,
          [accountId, claim.userId, this.box.seal(claim.externalId), claim.region, verifiedAt],
        );
        await q.query('DELETE FROM account_claims WHERE user_id = $1 AND account_id = $2', [
          claim.userId,
          accountId,
        ]);
      }
      await q.query(
        `UPDATE aws_accounts SET role_arn = $1, queue_url = $2, dead_letter_queue_url = $3, bucket = $4, log_group = $5,
           host_group = $6, max_hosts = $7, jobs_per_host = $8, region = $9, verified_at = $10
           WHERE account_id = $11 AND owner_id = coalesce($12, owner_id)`,
        [
          o.roleArn,
          o.queueUrl,
          o.deadLetterQueueUrl,
          o.bucket,
          o.logGroup,
          o.hostGroup,
          o.maxHosts,
          o.jobsPerHost,
          o.region,
          verifiedAt,
          accountId,
          claim?.userId ?? null,
        ],
      );
      const [row] = await q.query('SELECT * FROM aws_accounts WHERE account_id = $1', [accountId]);
      return accountFromRow(row as Row, this.box);
    });
  }

  async saveRepo(repo: Repo): Promise<void> {
    await this.db.query(
      `INSERT INTO repos (id, full_name, owner_id, account_id, webhook_id, webhook_secret, deploy_key_id, deploy_private_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, owner_id = excluded.owner_id, account_id = excluded.account_id,
           webhook_id = excluded.webhook_id, webhook_secret = excluded.webhook_secret, deploy_key_id = excluded.deploy_key_id,
           deploy_private_key = excluded.deploy_private_key`,
      [
        repo.id,
        repo.fullName,
        repo.ownerId,
        repo.accountId,
        repo.webhookId ?? null,
        this.box.seal(repo.webhookSecret),
        repo.deployKeyId ?? null,
        this.box.seal(repo.deployPrivateKey),
        new Date().toISOString(),
      ],
    );
  }

  async getRepo(id: number): Promise<Repo | undefined> {
    const row = await this.one('SELECT * FROM repos WHERE id = $1', [id]);
    return row ? repoFromRow(row, this.box) : undefined;
  }

  async getRepoByHookId(hookId: number): Promise<Repo | undefined> {
    const row = await this.one('SELECT * FROM repos WHERE webhook_id = $1', [hookId]);
    return row ? repoFromRow(row, this.box) : undefined;
  }

  async getRepoByName(fullName: string): Promise<Repo | undefined> {
    const row = await this.one('SELECT * FROM repos WHERE full_name = $1', [fullName]);
    return row ? repoFromRow(row, this.box) : undefined;
  }

  async deleteRepo(id: number): Promise<void> {
    await this.db.query('DELETE FROM repos WHERE id = $1', [id]);
  }

  async claimDelivery(build: DeliveryClaim, at: string): Promise<boolean> {
    // No conflict target: a repeated delivery id and a repeated body are both a duplicate.
    const rows = await this.db.query(
      `INSERT INTO builds (delivery_id, body_sha256, repo_id, commit_sha, branch, message, triggered_by, changed, event, held, checkout_ref, default_branch, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13) ON CONFLICT DO NOTHING RETURNING delivery_id`,
      [
        build.deliveryId,
        build.bodySha256,
        build.repoId,
        build.commit,
        build.branch ?? null,
        build.message ?? null,
        build.triggeredBy ?? null,
        build.changed ? JSON.stringify(build.changed) : null,
        build.event ?? null,
        build.held ? 1 : 0,
        build.checkoutRef ?? null,
        build.defaultBranch ?? null,
        at,
      ],
    );
    return rows.length === 1;
  }

  async claimBuilds(now: string, claim: WorkClaim, limit: number): Promise<Build[]> {
    // SKIP LOCKED: two replicas claiming at once each get different builds, neither waits.
    const rows = await this.db.query(
      `UPDATE builds SET claimed_by = $1, claimed_until = $2 WHERE delivery_id IN (
         SELECT delivery_id FROM builds WHERE status = 'pending' AND (not_before IS NULL OR not_before <= $3)
           AND (claimed_until IS NULL OR claimed_until < $3 OR claimed_by = $1) ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [claim.holder, claim.until, now, limit],
    );
    return rows.map(buildFromRow).sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1));
  }

  async pendingBuilds(now: string): Promise<Build[]> {
    const rows = await this.db.query(
      `SELECT * FROM builds WHERE status = 'pending' AND (not_before IS NULL OR not_before <= $1) ORDER BY created_at`,
      [now],
    );
    return rows.map(buildFromRow);
  }

  async finishBuild(deliveryId: string, status: 'done' | 'failed', error?: string): Promise<void> {
    await this.db.query(
      'UPDATE builds SET status = $1, error = $2, attempts = attempts + 1, claimed_until = NULL WHERE delivery_id = $3',
      [status, error ?? null, deliveryId],
    );
  }

  async deferBuild(deliveryId: string, notBefore: string, error: string): Promise<void> {
    await this.db.query(
      'UPDATE builds SET not_before = $1, error = $2, attempts = attempts + 1, claimed_until = NULL WHERE delivery_id = $3',
      [notBefore, error, deliveryId],
    );
  }

  async recordRun(run: RunRecord): Promise<RunRecord> {
    const inserted = await this.db.query(
      `INSERT INTO runs (run_id, repo_id, account_id, pipeline, commit_sha, branch, message, triggered_by, changed, delivery_id, status, plan, errors, approved_gates, created_at, event, held, checkout_ref, default_branch)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) ON CONFLICT DO NOTHING RETURNING *`,
      [
        run.runId,
        run.repoId,
        run.accountId,
        run.pipeline,
        run.commit,
        run.branch ?? null,
        run.message ?? null,
        run.triggeredBy ?? null,
        run.changed ? JSON.stringify(run.changed) : null,
        run.deliveryId ?? null,
        run.status,
        run.plan ? JSON.stringify(run.plan) : null,
        run.errors ? JSON.stringify(run.errors) : null,
        JSON.stringify(run.approvedGates),
        run.createdAt,
        run.event ?? null,
        run.held ? 1 : 0,
        run.checkoutRef ?? null,
        run.defaultBranch ?? null,
      ],
    );
    if (inserted[0]) return runFromRow(inserted[0]);
    // The delivery had a run already: that one is the run.
    const row = run.deliveryId
      ? await this.one('SELECT * FROM runs WHERE delivery_id = $1', [run.deliveryId])
      : await this.one('SELECT * FROM runs WHERE run_id = $1', [run.runId]);
    return runFromRow(row as Row);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = await this.one('SELECT * FROM runs WHERE run_id = $1', [runId]);
    return row ? runFromRow(row) : undefined;
  }

  async claimRunSend(runId: string, now: string, claim: WorkClaim): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE runs SET send_claimed_by = $1, send_claimed_until = $2 WHERE run_id = $3 AND status = 'recorded'
         AND (send_claimed_until IS NULL OR send_claimed_until < $4 OR send_claimed_by = $1) RETURNING run_id`,
      [claim.holder, claim.until, runId, now],
    );
    return rows.length === 1;
  }

  async requeueRun(runId: string): Promise<RunRecord | undefined> {
    await this.db.query(`UPDATE runs SET status = 'recorded' WHERE run_id = $1 AND status = 'sent'`, [runId]);
    return this.getRun(runId);
  }

  async markRunSent(runId: string, at: string): Promise<void> {
    await this.db.query(
      `UPDATE runs SET status = 'sent', sent_at = $1, send_claimed_until = NULL WHERE run_id = $2 AND status = 'recorded'`,
      [at, runId],
    );
  }

  async unsentRuns(recordedBefore: string): Promise<RunRecord[]> {
    const rows = await this.db.query(
      `SELECT * FROM runs WHERE status = 'recorded' AND held = 0 AND created_at <= $1 ORDER BY created_at`,
      [recordedBefore],
    );
    return rows.map(runFromRow);
  }

  async listRuns(accountId: string, pipeline: string, limit: number): Promise<RunRecord[]> {
    const rows = await this.db.query(
      'SELECT * FROM runs WHERE account_id = $1 AND pipeline = $2 ORDER BY created_at DESC, run_id DESC LIMIT $3',
      [accountId, pipeline, limit],
    );
    return rows.map(runFromRow);
  }

  async recentRuns(accountId: string, limit: number): Promise<RunRecord[]> {
    const rows = await this.db.query(
      'SELECT * FROM runs WHERE account_id = $1 ORDER BY created_at DESC, run_id DESC LIMIT $2',
      [accountId, limit],
    );
    return rows.map(runFromRow);
  }

  async listPipelines(accountId: string): Promise<Array<{ pipeline: string; lastRunAt: string }>> {
    const rows = await this.db.query(
      'SELECT pipeline, MAX(created_at) AS last_run_at FROM runs WHERE account_id = $1 GROUP BY pipeline ORDER BY last_run_at DESC',
      [accountId],
    );
    return rows.map((r) => ({ pipeline: String(r.pipeline), lastRunAt: String(r.last_run_at) }));
  }

  async releaseRun(runId: string): Promise<RunRecord | undefined> {
    const rows = await this.db.query('UPDATE runs SET held = 0 WHERE run_id = $1 AND held = 1 RETURNING *', [
      runId,
    ]);
    return rows[0] ? runFromRow(rows[0]) : undefined;
  }

  async requestRerun(runId: string, rerun: RunRerun): Promise<RunRecord> {
    const rows = await this.db.query(
      `UPDATE runs SET rerun = $1, status = 'recorded', summary = NULL, summary_status = NULL, reported_status = NULL
         WHERE run_id = $2 RETURNING *`,
      [JSON.stringify(rerun), runId],
    );
    return runFromRow(rows[0] as Row);
  }

  async runsToReport(since: string): Promise<RunRecord[]> {
    const rows = await this.db.query(
      `SELECT * FROM runs WHERE (reported_status IS NULL OR reported_status LIKE '{"state":"pending"%') AND created_at >= $1 ORDER BY created_at`,
      [since],
    );
    return rows.map(runFromRow);
  }

  async saveReportedStatus(runId: string, status: NonNullable<RunRecord['reportedStatus']>): Promise<void> {
    await this.db.query('UPDATE runs SET reported_status = $1 WHERE run_id = $2', [
      JSON.stringify({ state: status.state, description: status.description }),
      runId,
    ]);
  }

  async saveRunSummary(runId: string, summary: RunSummary): Promise<void> {
    await this.db.query('UPDATE runs SET summary = $1, summary_status = $2 WHERE run_id = $3', [
      JSON.stringify(summary),
      summary.status,
      runId,
    ]);
  }

  async activeRunCount(accountId: string): Promise<number> {
    const row = await this.one(
      `SELECT COUNT(*) AS n FROM runs WHERE account_id = $1 AND status IN ('recorded', 'sent') AND held = 0
         AND (summary_status IS NULL OR summary_status IN ('pending', 'running'))`,
      [accountId],
    );
    return Number(row?.n ?? 0);
  }

  async strandedRuns(sentBefore: string, sentAfter: string): Promise<RunRecord[]> {
    const rows = await this.db.query(
      `SELECT * FROM runs WHERE status = 'sent' AND summary_status IS NULL AND sent_at <= $1 AND sent_at >= $2
         ORDER BY sent_at`,
      [sentBefore, sentAfter],
    );
    return rows.map(runFromRow);
  }

  async saveCapacityRequest(accountId: string, wanted: number, at: string): Promise<void> {
    await this.db.query(
      'UPDATE aws_accounts SET capacity_requested_at = $1, capacity_wanted = $2 WHERE account_id = $3',
      [at, wanted, accountId],
    );
  }

  async approveGate(approval: Omit<Approval, 'login'>): Promise<RunRecord> {
    return this.db.transaction(async (q) => {
      await q.query(
        'INSERT INTO approvals (run_id, gate, user_id, approved_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [approval.runId, approval.gate, approval.userId, approval.approvedAt],
      );
      // Locked for the rest of the transaction: two approvals at once each add their gate.
      const [row] = await q.query('SELECT * FROM runs WHERE run_id = $1 FOR UPDATE', [approval.runId]);
      const gates = new Set(runFromRow(row as Row).approvedGates);
      gates.add(approval.gate);
      // The continuation is sent like a new run: recorded first, so a crash before sending loses nothing.
      const [updated] = await q.query(
        `UPDATE runs SET approved_gates = $1, status = 'recorded', summary_status = NULL WHERE run_id = $2 RETURNING *`,
        [JSON.stringify([...gates].sort()), approval.runId],
      );
      return runFromRow(updated as Row);
    });
  }

  async approvals(runId: string): Promise<Approval[]> {
    const rows = await this.db.query(
      'SELECT a.*, u.login FROM approvals a JOIN users u ON u.id = a.user_id WHERE run_id = $1 ORDER BY approved_at',
      [runId],
    );
    return rows.map((r) => ({
      runId: String(r.run_id),
      gate: String(r.gate),
      userId: Number(r.user_id),
      login: String(r.login),
      approvedAt: String(r.approved_at),
    }));
  }

  async holdLease(name: string, now: string, claim: WorkClaim): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.until < $4 OR leases.holder = excluded.holder RETURNING holder`,
      [name, claim.holder, claim.until, now],
    );
    return rows.length === 1;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
