import { runFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { Store } from '../store.js';

/** A run's way to the customer's queue: taken for sending, sent, sent again, or stranded. */
export type RunSendingRecords = Pick<
  Store,
  'claimRunSend' | 'markRunSent' | 'requeueRun' | 'unsentRuns' | 'activeRunCount' | 'strandedRuns'
>;

export function runSendingRecords(db: SqlDb): RunSendingRecords {
  return {
    async claimRunSend(runId, now, claim) {
      const taken = await db.run(
        `UPDATE runs SET send_claimed_by = ?, send_claimed_until = ? WHERE run_id = ? AND status = 'recorded'
           AND (send_claimed_until IS NULL OR send_claimed_until < ? OR send_claimed_by = ?)`,
        [claim.holder, claim.until, runId, now, claim.holder],
      );
      return taken === 1;
    },

    async markRunSent(runId, at) {
      await db.run(
        `UPDATE runs SET status = 'sent', sent_at = ?, send_claimed_until = NULL WHERE run_id = ? AND status = 'recorded'`,
        [at, runId],
      );
    },

    async requeueRun(runId) {
      await db.run(`UPDATE runs SET status = 'recorded' WHERE run_id = ? AND status = 'sent'`, [runId]);
      const [row] = await db.all('SELECT * FROM runs WHERE run_id = ?', [runId]);
      return row ? runFromRow(row) : undefined;
    },

    async unsentRuns(recordedBefore) {
      const rows = await db.all(
        `SELECT * FROM runs WHERE status = 'recorded' AND held = 0 AND created_at <= ? ORDER BY created_at`,
        [recordedBefore],
      );
      return rows.map(runFromRow);
    },

    async activeRunCount(accountId) {
      const [row] = await db.all(
        `SELECT COUNT(*) AS n FROM runs WHERE account_id = ? AND status IN ('recorded', 'sent') AND held = 0
           AND (summary_status IS NULL OR summary_status IN ('pending', 'running'))`,
        [accountId],
      );
      return Number(row?.n ?? 0);
    },

    async strandedRuns(sentBefore, sentAfter) {
      const rows = await db.all(
        `SELECT * FROM runs WHERE status = 'sent' AND summary_status IS NULL AND sent_at <= ? AND sent_at >= ?
           ORDER BY sent_at`,
        [sentBefore, sentAfter],
      );
      return rows.map(runFromRow);
    },
  };
}
