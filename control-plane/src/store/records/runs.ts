import { type Row, runFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { RunRecord, Store } from '../store.js';

export type RunRecords = Pick<
  Store,
  'recordRun' | 'getRun' | 'listRuns' | 'recentRuns' | 'listPipelines' | 'releaseRun' | 'requestRerun'
>;

export function runRecords(db: SqlDb): RunRecords {
  const runWhere = async (
    column: 'run_id' | 'delivery_id',
    value: string,
  ): Promise<RunRecord | undefined> => {
    const [row] = await db.all(`SELECT * FROM runs WHERE ${column} = ?`, [value]);
    return row ? runFromRow(row) : undefined;
  };

  return {
    async recordRun(run) {
      const [inserted] = await db.all(
        `INSERT INTO runs (run_id, repo_id, account_id, pipeline, commit_sha, branch, message, triggered_by, changed, delivery_id, status, plan, errors, approved_gates, created_at, event, held, fork, checkout_ref, default_branch, tag)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
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
          // Only a fork's pull request is held when recorded.
          run.held ? 1 : 0,
          run.checkoutRef ?? null,
          run.defaultBranch ?? null,
          run.tag ?? null,
        ],
      );
      if (inserted) return runFromRow(inserted);
      // The delivery had a run already: that one is the run.
      const existing = run.deliveryId
        ? await runWhere('delivery_id', run.deliveryId)
        : await runWhere('run_id', run.runId);
      return existing as RunRecord;
    },

    getRun: (runId) => runWhere('run_id', runId),

    async listRuns(accountId, pipeline, limit) {
      const rows = await db.all(
        'SELECT * FROM runs WHERE account_id = ? AND pipeline = ? ORDER BY created_at DESC, run_id DESC LIMIT ?',
        [accountId, pipeline, limit],
      );
      return rows.map(runFromRow);
    },

    async recentRuns(accountId, limit) {
      const rows = await db.all(
        'SELECT * FROM runs WHERE account_id = ? ORDER BY created_at DESC, run_id DESC LIMIT ?',
        [accountId, limit],
      );
      return rows.map(runFromRow);
    },

    async listPipelines(accountId) {
      const rows = await db.all(
        'SELECT pipeline, MAX(created_at) AS last_run_at FROM runs WHERE account_id = ? GROUP BY pipeline ORDER BY last_run_at DESC',
        [accountId],
      );
      return rows.map((r) => ({ pipeline: String(r.pipeline), lastRunAt: String(r.last_run_at) }));
    },

    async releaseRun(runId) {
      const [row] = await db.all('UPDATE runs SET held = 0 WHERE run_id = ? AND held = 1 RETURNING *', [
        runId,
      ]);
      return row ? runFromRow(row) : undefined;
    },

    /** The summary goes: it said how the last attempt ended, and lists must not show that as the run's. */
    async requestRerun(runId, rerun) {
      const [row] = await db.all(
        `UPDATE runs SET rerun = ?, status = 'recorded', summary = NULL, summary_status = NULL, reported_status = NULL
           WHERE run_id = ? RETURNING *`,
        [JSON.stringify(rerun), runId],
      );
      return runFromRow(row as Row);
    },
  };
}
