import { type Row, runFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { Store } from '../store.js';

export type ApprovalRecords = Pick<Store, 'approveGate' | 'approvals'>;

export function approvalRecords(db: SqlDb): ApprovalRecords {
  return {
    async approveGate(approval) {
      return db.transaction(async (tx) => {
        await tx.run(
          'INSERT INTO approvals (run_id, gate, user_id, approved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [approval.runId, approval.gate, approval.userId, approval.approvedAt],
        );
        // Locked for the rest of the transaction: two approvals at once each add their gate.
        const [row] = await tx.all(`SELECT * FROM runs WHERE run_id = ?${db.dialect.forUpdate}`, [
          approval.runId,
        ]);
        const gates = new Set(runFromRow(row as Row).approvedGates);
        gates.add(approval.gate);
        // The continuation is sent like a new run: recorded first, so a crash before sending loses nothing.
        const [updated] = await tx.all(
          `UPDATE runs SET approved_gates = ?, status = 'recorded', summary_status = NULL WHERE run_id = ? RETURNING *`,
          [JSON.stringify([...gates].sort()), approval.runId],
        );
        return runFromRow(updated as Row);
      });
    },

    async approvals(runId) {
      const rows = await db.all(
        'SELECT a.*, u.login FROM approvals a JOIN users u ON u.id = a.user_id WHERE run_id = ? ORDER BY approved_at',
        [runId],
      );
      return rows.map((r) => ({
        runId: String(r.run_id),
        gate: String(r.gate),
        userId: Number(r.user_id),
        login: String(r.login),
        approvedAt: String(r.approved_at),
      }));
    },
  };
}
