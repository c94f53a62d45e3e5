import type Database from 'better-sqlite3';
import type { SecretBox } from '../crypto/secret-box.js';
import { MIGRATIONS } from './migrations.js';
import {
  accountFromRow,
  buildFromRow,
  claimFromRow,
  type Row,
  repoFromRow,
  runFromRow,
  userFromRow,
} from './rows.js';
import { SqliteDb } from './sqlite-db.js';
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
} from './store.js';

/** The embedded store: one SQLite file, WAL mode, migrations applied on open. */
export class SqliteStore implements Store {
  private readonly db: SqliteDb;

  constructor(
    path: string,
    private readonly box: SecretBox,
  ) {
    this.db = new SqliteDb(path, MIGRATIONS);
  }

  private sql(text: string): Database.Statement {
    return this.db.sql(text);
  }

  get schemaVersion(): number {
    return this.db.schemaVersion;
  }

  async upsertUser(user: Omit<User, 'id' | 'sessionVersion'>): Promise<User> {
    this.sql(
      `INSERT INTO users (github_id, login, token, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (github_id) DO UPDATE SET login = excluded.login, token = excluded.token`,
    ).run(user.githubId, user.login, this.box.seal(user.token), new Date().toISOString());
    const row = this.sql('SELECT * FROM users WHERE github_id = ?').get(user.githubId) as Row;
    return userFromRow(row, this.box);
  }

  async getUser(id: number): Promise<User | undefined> {
    const row = this.sql('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row ? userFromRow(row, this.box) : undefined;
  }

  async endSessions(userId: number): Promise<void> {
    this.sql('UPDATE users SET session_version = session_version + 1 WHERE id = ?').run(userId);
  }

  async createAccount(
    account: Pick<AwsAccount, 'accountId' | 'ownerId' | 'externalId' | 'region'>,
  ): Promise<AwsAccount> {
    this.sql(
      `INSERT INTO aws_accounts (account_id, owner_id, external_id, region, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET external_id = excluded.external_id, region = excluded.region
         WHERE aws_accounts.owner_id = excluded.owner_id AND aws_accounts.verified_at IS NULL`,
    ).run(
      account.accountId,
      account.ownerId,
      this.box.seal(account.externalId),
      account.region,
      new Date().toISOString(),
    );
    return (await this.getAccount(account.accountId)) as AwsAccount;
  }

  async getAccount(accountId: string): Promise<AwsAccount | undefined> {
    const row = this.sql('SELECT * FROM aws_accounts WHERE account_id = ?').get(accountId) as Row | undefined;
    return row ? accountFromRow(row, this.box) : undefined;
  }

  async claimAccount(claim: AccountClaim, now: string): Promise<AccountClaim> {
    this.sql(
      `INSERT INTO account_claims (user_id, account_id, external_id, region, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id, account_id) DO UPDATE SET region = excluded.region, expires_at = excluded.expires_at,
           external_id = CASE WHEN account_claims.expires_at > ? THEN account_claims.external_id ELSE excluded.external_id END`,
    ).run(claim.userId, claim.accountId, this.box.seal(claim.externalId), claim.region, claim.expiresAt, now);
    return (await this.getClaim(claim.userId, claim.accountId)) as AccountClaim;
  }

  async getClaim(userId: number, accountId: string): Promise<AccountClaim | undefined> {
    const row = this.sql('SELECT * FROM account_claims WHERE user_id = ? AND account_id = ?').get(
      userId,
      accountId,
    ) as Row | undefined;
    return row ? claimFromRow(row, this.box) : undefined;
  }

  async accountsOf(userId: number): Promise<{ accounts: AwsAccount[]; claims: AccountClaim[] }> {
    const accounts = (
      this.sql(
        'SELECT * FROM aws_accounts WHERE owner_id = ? AND verified_at IS NOT NULL ORDER BY account_id',
      ).all(userId) as Row[]
    ).map((row) => accountFromRow(row, this.box));
    const claims = (
      this.sql('SELECT * FROM account_claims WHERE user_id = ? ORDER BY account_id').all(userId) as Row[]
    ).map((row) => claimFromRow(row, this.box));
    return { accounts, claims };
  }

  async registerAccount(
    accountId: string,
    o: StackOutputs,
    verifiedAt: string,
    claim?: AccountClaim,
  ): Promise<AwsAccount> {
    if (claim)
      this.db.transaction(() => {
        // An unverified row (from before claims, or the claimant's own) gives way; a verified
        // account of someone else's does not.
        this.sql(
          `INSERT INTO aws_accounts (account_id, owner_id, external_id, region, created_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (account_id) DO UPDATE SET owner_id = excluded.owner_id, external_id = excluded.external_id
             WHERE aws_accounts.verified_at IS NULL OR aws_accounts.owner_id = excluded.owner_id`,
        ).run(accountId, claim.userId, this.box.seal(claim.externalId), claim.region, verifiedAt);
        this.sql('DELETE FROM account_claims WHERE user_id = ? AND account_id = ?').run(
          claim.userId,
          accountId,
        );
      })();
    this.sql(
      `UPDATE aws_accounts SET role_arn = ?, queue_url = ?, dead_letter_queue_url = ?, bucket = ?, log_group = ?,
         host_group = ?, max_hosts = ?, jobs_per_host = ?, region = ?, verified_at = ?
         WHERE account_id = ? AND owner_id = coalesce(?, owner_id)`,
    ).run(
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
    );
    return (await this.getAccount(accountId)) as AwsAccount;
  }

  async saveRepo(repo: Repo): Promise<void> {
    this.sql(
      `INSERT INTO repos (id, full_name, owner_id, account_id, webhook_id, webhook_secret, deploy_key_id, deploy_private_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, owner_id = excluded.owner_id, account_id = excluded.account_id,
           webhook_id = excluded.webhook_id, webhook_secret = excluded.webhook_secret, deploy_key_id = excluded.deploy_key_id,
           deploy_private_key = excluded.deploy_private_key`,
    ).run(
      repo.id,
      repo.fullName,
      repo.ownerId,
      repo.accountId,
      repo.webhookId ?? null,
      this.box.seal(repo.webhookSecret),
      repo.deployKeyId ?? null,
      this.box.seal(repo.deployPrivateKey),
      new Date().toISOString(),
    );
  }

  async getRepo(id: number): Promise<Repo | undefined> {
    const row = this.sql('SELECT * FROM repos WHERE id = ?').get(id) as Row | undefined;
    return row ? repoFromRow(row, this.box) : undefined;
  }

  async getRepoByHookId(hookId: number): Promise<Repo | undefined> {
    const row = this.sql('SELECT * FROM repos WHERE webhook_id = ?').get(hookId) as Row | undefined;
    return row ? repoFromRow(row, this.box) : undefined;
  }

  async getRepoByName(fullName: string): Promise<Repo | undefined> {
    const row = this.sql('SELECT * FROM repos WHERE full_name = ?').get(fullName) as Row | undefined;
    return row ? repoFromRow(row, this.box) : undefined;
  }

  async deleteRepo(id: number): Promise<void> {
    this.sql('DELETE FROM repos WHERE id = ?').run(id);
  }

  async claimDelivery(build: DeliveryClaim, at: string): Promise<boolean> {
    // No conflict target: a repeated delivery id and a repeated body are both a duplicate.
    const result = this.sql(
      `INSERT INTO builds (delivery_id, body_sha256, repo_id, commit_sha, branch, message, triggered_by, changed, event, held, checkout_ref, default_branch, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
    ).run(
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
    );
    return result.changes === 1;
  }

  async claimBuilds(now: string, claim: WorkClaim, limit: number): Promise<Build[]> {
    // One statement: a transaction that read first and wrote after could fail, not wait, when the
    // webhook's inserts (another connection: the accept path) came in between.
    const rows = this.sql(
      `UPDATE builds SET claimed_by = ?, claimed_until = ? WHERE delivery_id IN (
         SELECT delivery_id FROM builds WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?)
           AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?) ORDER BY created_at LIMIT ?)
       RETURNING *`,
    ).all(claim.holder, claim.until, now, now, claim.holder, limit) as Row[];
    return rows.map(buildFromRow).sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1));
  }

  async pendingBuilds(now: string): Promise<Build[]> {
    const rows = this.sql(
      `SELECT * FROM builds WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?) ORDER BY created_at`,
    ).all(now) as Row[];
    return rows.map(buildFromRow);
  }

  async finishBuild(deliveryId: string, status: 'done' | 'failed', error?: string): Promise<void> {
    this.sql(
      'UPDATE builds SET status = ?, error = ?, attempts = attempts + 1, claimed_until = NULL WHERE delivery_id = ?',
    ).run(status, error ?? null, deliveryId);
  }

  async deferBuild(deliveryId: string, notBefore: string, error: string): Promise<void> {
    this.sql(
      'UPDATE builds SET not_before = ?, error = ?, attempts = attempts + 1, claimed_until = NULL WHERE delivery_id = ?',
    ).run(notBefore, error, deliveryId);
  }

  async recordRun(run: RunRecord): Promise<RunRecord> {
    this.sql(
      `INSERT INTO runs (run_id, repo_id, account_id, pipeline, commit_sha, branch, message, triggered_by, changed, delivery_id, status, plan, errors, approved_gates, created_at, event, held, checkout_ref, default_branch)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(
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
    );
    const row = (
      run.deliveryId
        ? this.sql('SELECT * FROM runs WHERE delivery_id = ?').get(run.deliveryId)
        : this.sql('SELECT * FROM runs WHERE run_id = ?').get(run.runId)
    ) as Row;
    return runFromRow(row);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.sql('SELECT * FROM runs WHERE run_id = ?').get(runId) as Row | undefined;
    return row ? runFromRow(row) : undefined;
  }

  async claimRunSend(runId: string, now: string, claim: WorkClaim): Promise<boolean> {
    const result = this.sql(
      `UPDATE runs SET send_claimed_by = ?, send_claimed_until = ? WHERE run_id = ? AND status = 'recorded'
         AND (send_claimed_until IS NULL OR send_claimed_until < ? OR send_claimed_by = ?)`,
    ).run(claim.holder, claim.until, runId, now, claim.holder);
    return result.changes === 1;
  }

  async holdLease(name: string, now: string, claim: WorkClaim): Promise<boolean> {
    const result = this.sql(
      `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.until < ? OR leases.holder = excluded.holder`,
    ).run(name, claim.holder, claim.until, now);
    return result.changes === 1;
  }

  async requeueRun(runId: string): Promise<RunRecord | undefined> {
    this.sql(`UPDATE runs SET status = 'recorded' WHERE run_id = ? AND status = 'sent'`).run(runId);
    return this.getRun(runId);
  }

  async markRunSent(runId: string, at: string): Promise<void> {
    this.sql(
      `UPDATE runs SET status = 'sent', sent_at = ?, send_claimed_until = NULL WHERE run_id = ? AND status = 'recorded'`,
    ).run(at, runId);
  }

  async unsentRuns(recordedBefore: string): Promise<RunRecord[]> {
    const rows = this.sql(
      `SELECT * FROM runs WHERE status = 'recorded' AND held = 0 AND created_at <= ? ORDER BY created_at`,
    ).all(recordedBefore) as Row[];
    return rows.map(runFromRow);
  }

  async listRuns(accountId: string, pipeline: string, limit: number): Promise<RunRecord[]> {
    const rows = this.sql(
      'SELECT * FROM runs WHERE account_id = ? AND pipeline = ? ORDER BY created_at DESC, run_id DESC LIMIT ?',
    ).all(accountId, pipeline, limit) as Row[];
    return rows.map(runFromRow);
  }

  async recentRuns(accountId: string, limit: number): Promise<RunRecord[]> {
    const rows = this.sql(
      'SELECT * FROM runs WHERE account_id = ? ORDER BY created_at DESC, run_id DESC LIMIT ?',
    ).all(accountId, limit) as Row[];
    return rows.map(runFromRow);
  }

  async listPipelines(accountId: string): Promise<Array<{ pipeline: string; lastRunAt: string }>> {
    return this.sql(
      'SELECT pipeline, MAX(created_at) AS lastRunAt FROM runs WHERE account_id = ? GROUP BY pipeline ORDER BY lastRunAt DESC',
    ).all(accountId) as Array<{ pipeline: string; lastRunAt: string }>;
  }

  /** The summary goes: it said how the last attempt ended, and lists must not show that as the run's. */
  async releaseRun(runId: string): Promise<RunRecord | undefined> {
    const changed = this.sql(`UPDATE runs SET held = 0 WHERE run_id = ? AND held = 1`).run(runId);
    return changed.changes === 1 ? this.getRun(runId) : undefined;
  }

  async requestRerun(runId: string, rerun: RunRerun): Promise<RunRecord> {
    this.sql(
      `UPDATE runs SET rerun = ?, status = 'recorded', summary = NULL, summary_status = NULL, reported_status = NULL WHERE run_id = ?`,
    ).run(JSON.stringify(rerun), runId);
    return runFromRow(this.sql('SELECT * FROM runs WHERE run_id = ?').get(runId) as Row);
  }

  async runsToReport(since: string): Promise<RunRecord[]> {
    const rows = this.sql(
      `SELECT * FROM runs WHERE (reported_status IS NULL OR reported_status LIKE '{"state":"pending"%') AND created_at >= ? ORDER BY created_at`,
    ).all(since) as Row[];
    return rows.map(runFromRow);
  }

  async saveReportedStatus(runId: string, status: NonNullable<RunRecord['reportedStatus']>): Promise<void> {
    this.sql('UPDATE runs SET reported_status = ? WHERE run_id = ?').run(
      JSON.stringify({ state: status.state, description: status.description }),
      runId,
    );
  }

  async saveRunSummary(runId: string, summary: RunSummary): Promise<void> {
    this.sql('UPDATE runs SET summary = ?, summary_status = ? WHERE run_id = ?').run(
      JSON.stringify(summary),
      summary.status,
      runId,
    );
  }

  async activeRunCount(accountId: string): Promise<number> {
    const row = this.sql(
      `SELECT COUNT(*) AS n FROM runs WHERE account_id = ? AND status IN ('recorded', 'sent') AND held = 0
         AND (summary_status IS NULL OR summary_status IN ('pending', 'running'))`,
    ).get(accountId) as { n: number };
    return row.n;
  }

  async strandedRuns(sentBefore: string, sentAfter: string): Promise<RunRecord[]> {
    const rows = this.sql(
      `SELECT * FROM runs WHERE status = 'sent' AND summary_status IS NULL AND sent_at <= ? AND sent_at >= ?
         ORDER BY sent_at`,
    ).all(sentBefore, sentAfter) as Row[];
    return rows.map(runFromRow);
  }

  async saveCapacityRequest(accountId: string, wanted: number, at: string): Promise<void> {
    this.sql(
      'UPDATE aws_accounts SET capacity_requested_at = ?, capacity_wanted = ? WHERE account_id = ?',
    ).run(at, wanted, accountId);
  }

  async approveGate(approval: Omit<Approval, 'login'>): Promise<RunRecord> {
    return this.db.transaction(() => {
      this.sql(
        'INSERT INTO approvals (run_id, gate, user_id, approved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(approval.runId, approval.gate, approval.userId, approval.approvedAt);
      const row = this.sql('SELECT * FROM runs WHERE run_id = ?').get(approval.runId) as Row;
      const gates = new Set(runFromRow(row).approvedGates);
      gates.add(approval.gate);
      // The continuation is sent like a new run: recorded first, so a crash before sending loses nothing.
      this.sql(
        `UPDATE runs SET approved_gates = ?, status = 'recorded', summary_status = NULL WHERE run_id = ?`,
      ).run(JSON.stringify([...gates].sort()), approval.runId);
      return runFromRow(this.sql('SELECT * FROM runs WHERE run_id = ?').get(approval.runId) as Row);
    })();
  }

  async approvals(runId: string): Promise<Approval[]> {
    const rows = this.sql(
      'SELECT a.*, u.login FROM approvals a JOIN users u ON u.id = a.user_id WHERE run_id = ? ORDER BY approved_at',
    ).all(runId) as Row[];
    return rows.map((r) => ({
      runId: String(r.run_id),
      gate: String(r.gate),
      userId: Number(r.user_id),
      login: String(r.login),
      approvedAt: String(r.approved_at),
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
