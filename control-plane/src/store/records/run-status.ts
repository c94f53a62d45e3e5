import { runFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { Store } from '../store.js';

/** What is known of a run's outcome: its result's summary, and the commit status GitHub was told. */
export type RunStatusRecords = Pick<Store, 'runsToReport' | 'saveReportedStatus' | 'saveRunSummary'>;

export function runStatusRecords(db: SqlDb): RunStatusRecords {
  return {
    async runsToReport(since) {
      const rows = await db.all(
        `SELECT * FROM runs WHERE (reported_status IS NULL OR reported_status LIKE '{"state":"pending"%') AND created_at >= ? ORDER BY created_at`,
        [since],
      );
      return rows.map(runFromRow);
    },

    async saveReportedStatus(runId, status) {
      await db.run('UPDATE runs SET reported_status = ? WHERE run_id = ?', [
        JSON.stringify({ state: status.state, description: status.description }),
        runId,
      ]);
    },

    async saveRunSummary(runId, summary) {
      await db.run('UPDATE runs SET summary = ?, summary_status = ? WHERE run_id = ?', [
        JSON.stringify(summary),
        summary.status,
        runId,
      ]);
    },
  };
}
