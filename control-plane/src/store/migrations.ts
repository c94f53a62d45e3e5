import type { Dialect } from './sql-db.js';

/**
 * A schema change: the same SQL on both databases, or written from the dialect where their types
 * differ. The columns keep the same kinds of values on both (times as ISO text, JSON as text, flags
 * as 0/1), so one set of decoders serves both (rows.ts).
 */
export type Migration = string | ((d: Dialect) => string);

/** Schema changes in order; each runs once, in a transaction, and its number is recorded. */
export const MIGRATIONS: readonly Migration[] = [
  (d) => `CREATE TABLE users (
     id ${d.autoId},
     github_id ${d.bigint} NOT NULL UNIQUE,
     login TEXT NOT NULL,
     token TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE aws_accounts (
     account_id TEXT PRIMARY KEY,
     owner_id ${d.bigint} NOT NULL REFERENCES users(id),
     external_id TEXT NOT NULL,
     region TEXT NOT NULL,
     role_arn TEXT, queue_url TEXT, dead_letter_queue_url TEXT, bucket TEXT, log_group TEXT, instance_id TEXT,
     verified_at TEXT,
     created_at TEXT NOT NULL
   );
   CREATE TABLE repos (
     id ${d.bigint} PRIMARY KEY,
     full_name TEXT NOT NULL UNIQUE,
     owner_id ${d.bigint} NOT NULL REFERENCES users(id),
     account_id TEXT NOT NULL REFERENCES aws_accounts(account_id),
     webhook_id ${d.bigint},
     webhook_secret TEXT NOT NULL,
     deploy_key_id ${d.bigint},
     deploy_private_key TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE builds (
     delivery_id TEXT PRIMARY KEY,
     repo_id ${d.bigint} NOT NULL,
     commit_sha TEXT NOT NULL,
     branch TEXT,
     status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
     attempts INTEGER NOT NULL DEFAULT 0,
     not_before TEXT,
     error TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX builds_pending ON builds(status, not_before);
   CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     repo_id ${d.bigint} NOT NULL,
     account_id TEXT NOT NULL,
     pipeline TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     branch TEXT,
     delivery_id TEXT UNIQUE,
     status TEXT NOT NULL CHECK (status IN ('recorded', 'sent', 'invalid')),
     plan TEXT,
     errors TEXT,
     approved_gates TEXT NOT NULL DEFAULT '[]',
     created_at TEXT NOT NULL,
     sent_at TEXT
   );
   CREATE INDEX runs_by_pipeline ON runs(account_id, pipeline, created_at DESC);
   CREATE INDEX runs_unsent ON runs(status, created_at);
   CREATE TABLE approvals (
     run_id TEXT NOT NULL REFERENCES runs(run_id),
     gate TEXT NOT NULL,
     user_id ${d.bigint} NOT NULL REFERENCES users(id),
     approved_at TEXT NOT NULL,
     PRIMARY KEY (run_id, gate)
   );`,
  // What the runs list shows beside each run: the commit's message and who started it.
  `ALTER TABLE builds ADD COLUMN message TEXT;
   ALTER TABLE builds ADD COLUMN triggered_by TEXT;
   ALTER TABLE runs ADD COLUMN message TEXT;
   ALTER TABLE runs ADD COLUMN triggered_by TEXT;`,
  // Webhooks find their repository by the hook's id before reading the body, and a body seen
  // before (a captured delivery replayed under a new id) builds nothing.
  `CREATE INDEX repos_by_hook ON repos(webhook_id);
   ALTER TABLE builds ADD COLUMN body_sha256 TEXT;
   CREATE UNIQUE INDEX builds_by_body ON builds(body_sha256);`,
  // A claim on an AWS account is one user's, with its own ExternalId, until the role proves it
  // (then the account is theirs) or it expires: nobody can hold an account they cannot prove.
  (d) => `CREATE TABLE account_claims (
     user_id ${d.bigint} NOT NULL REFERENCES users(id),
     account_id TEXT NOT NULL,
     external_id TEXT NOT NULL,
     region TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     PRIMARY KEY (user_id, account_id)
   );`,
  // Signing out ends every session of the user: sessions name the version they were made with.
  `ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;`,
  // The files a push changed, for steps' `when: { paths }` filters.
  `ALTER TABLE builds ADD COLUMN changed TEXT;
   ALTER TABLE runs ADD COLUMN changed TEXT;`,
  // Where each run stands, as its result last said: the runs list reads this instead of one
  // result.json per run from the customer's bucket.
  `ALTER TABLE runs ADD COLUMN summary TEXT;`,
  // A re-run of an ended run: the attempt it asks for, and what it runs again.
  `ALTER TABLE runs ADD COLUMN rerun TEXT;`,
  // The commit status last sent to GitHub for the run: the reporter sends only what changed, and
  // stops watching a run once its status is final.
  `ALTER TABLE runs ADD COLUMN reported_status TEXT;
   CREATE INDEX runs_to_report ON runs(created_at) WHERE reported_status IS NULL OR reported_status LIKE '{"state":"pending"%';`,
  // Pull requests: the event a build and its run are for, and a fork's build held for leave.
  `ALTER TABLE builds ADD COLUMN event TEXT;
   ALTER TABLE builds ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE runs ADD COLUMN event TEXT;
   ALTER TABLE runs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;`,
  // A pull request's head commit may be on no branch of the repository (a fork's): steps fetch it
  // by the ref GitHub keeps for it in the base repository.
  `ALTER TABLE builds ADD COLUMN checkout_ref TEXT;
   ALTER TABLE runs ADD COLUMN checkout_ref TEXT;`,
  // Hosts in an Auto Scaling group, sized by the control plane from the runs that need one: no
  // instance id is kept (instance_id stays, unused, for stacks from before). The summary's status
  // has a column of its own, to count the runs still going.
  (d) => `ALTER TABLE aws_accounts ADD COLUMN host_group TEXT;
   ALTER TABLE aws_accounts ADD COLUMN max_hosts INTEGER;
   ALTER TABLE aws_accounts ADD COLUMN jobs_per_host INTEGER;
   ALTER TABLE aws_accounts ADD COLUMN capacity_requested_at TEXT;
   ALTER TABLE aws_accounts ADD COLUMN capacity_wanted INTEGER;
   ALTER TABLE runs ADD COLUMN summary_status TEXT;
   UPDATE runs SET summary_status = ${d.jsonField('summary', 'status')} WHERE summary IS NOT NULL;
   CREATE INDEX runs_active ON runs(account_id, status, summary_status);
   CREATE INDEX runs_stranded ON runs(status, sent_at) WHERE summary_status IS NULL;`,
  // Work shared between replicas: a build, and the sending of a run, are each taken with a claim
  // that runs out; background tasks run on one replica at a time, under a named lease.
  `ALTER TABLE builds ADD COLUMN claimed_by TEXT;
   ALTER TABLE builds ADD COLUMN claimed_until TEXT;
   ALTER TABLE runs ADD COLUMN send_claimed_by TEXT;
   ALTER TABLE runs ADD COLUMN send_claimed_until TEXT;
   CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL);
   CREATE INDEX builds_due ON builds(created_at) WHERE status = 'pending';`,
  // The repository's default branch, whose caches a run of another branch reads after its own.
  `ALTER TABLE builds ADD COLUMN default_branch TEXT;
   ALTER TABLE runs ADD COLUMN default_branch TEXT;`,
  // A push of a tag: the run is of no branch, and its steps see the tag as DOCKERCISE_TAG.
  `ALTER TABLE builds ADD COLUMN tag TEXT;
   ALTER TABLE runs ADD COLUMN tag TEXT;`,
  // A fork's pull request stays one once its owner lets it run (held goes back to 0): its steps
  // never get an AWS role.
  `ALTER TABLE runs ADD COLUMN fork INTEGER NOT NULL DEFAULT 0;
   UPDATE runs SET fork = 1 WHERE held = 1;`,
];
