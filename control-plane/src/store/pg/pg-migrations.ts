/**
 * The PostgreSQL schema, in order; each entry runs once, in a transaction, under an advisory lock
 * so that replicas starting together migrate once. The columns and their kinds are SQLite's
 * (migrations.ts) — times as ISO text, JSON as text, flags as 0/1 — so both stores decode rows the
 * same way (rows.ts). The first entry is SQLite's twelve migrations to that day, in one.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     id BIGSERIAL PRIMARY KEY,
     github_id BIGINT NOT NULL UNIQUE,
     login TEXT NOT NULL,
     token TEXT NOT NULL,
     created_at TEXT NOT NULL,
     session_version INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE aws_accounts (
     account_id TEXT PRIMARY KEY,
     owner_id BIGINT NOT NULL REFERENCES users(id),
     external_id TEXT NOT NULL,
     region TEXT NOT NULL,
     role_arn TEXT, queue_url TEXT, dead_letter_queue_url TEXT, bucket TEXT, log_group TEXT, instance_id TEXT,
     host_group TEXT, max_hosts INTEGER, jobs_per_host INTEGER,
     capacity_requested_at TEXT, capacity_wanted INTEGER,
     verified_at TEXT,
     created_at TEXT NOT NULL
   );
   CREATE TABLE account_claims (
     user_id BIGINT NOT NULL REFERENCES users(id),
     account_id TEXT NOT NULL,
     external_id TEXT NOT NULL,
     region TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     PRIMARY KEY (user_id, account_id)
   );
   CREATE TABLE repos (
     id BIGINT PRIMARY KEY,
     full_name TEXT NOT NULL UNIQUE,
     owner_id BIGINT NOT NULL REFERENCES users(id),
     account_id TEXT NOT NULL REFERENCES aws_accounts(account_id),
     webhook_id BIGINT,
     webhook_secret TEXT NOT NULL,
     deploy_key_id BIGINT,
     deploy_private_key TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX repos_by_hook ON repos(webhook_id);
   CREATE TABLE builds (
     delivery_id TEXT PRIMARY KEY,
     body_sha256 TEXT UNIQUE,
     repo_id BIGINT NOT NULL,
     commit_sha TEXT NOT NULL,
     branch TEXT,
     message TEXT,
     triggered_by TEXT,
     changed TEXT,
     event TEXT,
     held INTEGER NOT NULL DEFAULT 0,
     checkout_ref TEXT,
     status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
     attempts INTEGER NOT NULL DEFAULT 0,
     not_before TEXT,
     error TEXT,
     claimed_by TEXT,
     claimed_until TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX builds_pending ON builds(created_at) WHERE status = 'pending';
   CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     repo_id BIGINT NOT NULL,
     account_id TEXT NOT NULL,
     pipeline TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     branch TEXT,
     message TEXT,
     triggered_by TEXT,
     changed TEXT,
     delivery_id TEXT UNIQUE,
     status TEXT NOT NULL CHECK (status IN ('recorded', 'sent', 'invalid')),
     event TEXT,
     held INTEGER NOT NULL DEFAULT 0,
     checkout_ref TEXT,
     plan TEXT,
     errors TEXT,
     approved_gates TEXT NOT NULL DEFAULT '[]',
     created_at TEXT NOT NULL,
     sent_at TEXT,
     send_claimed_by TEXT,
     send_claimed_until TEXT,
     summary TEXT,
     summary_status TEXT,
     rerun TEXT,
     reported_status TEXT
   );
   CREATE INDEX runs_by_pipeline ON runs(account_id, pipeline, created_at DESC);
   CREATE INDEX runs_unsent ON runs(created_at) WHERE status = 'recorded';
   CREATE INDEX runs_to_report ON runs(created_at) WHERE reported_status IS NULL OR reported_status LIKE '{"state":"pending"%';
   CREATE INDEX runs_active ON runs(account_id, status, summary_status);
   CREATE INDEX runs_stranded ON runs(status, sent_at) WHERE summary_status IS NULL;
   CREATE TABLE approvals (
     run_id TEXT NOT NULL REFERENCES runs(run_id),
     gate TEXT NOT NULL,
     user_id BIGINT NOT NULL REFERENCES users(id),
     approved_at TEXT NOT NULL,
     PRIMARY KEY (run_id, gate)
   );
   CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL);`,
  // The repository's default branch, whose caches a run of another branch reads after its own.
  `ALTER TABLE builds ADD COLUMN default_branch TEXT;
   ALTER TABLE runs ADD COLUMN default_branch TEXT;`,
];
