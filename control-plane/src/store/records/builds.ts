import { buildFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { Store } from '../store.js';

export type BuildRecords = Pick<
  Store,
  'claimDelivery' | 'claimBuilds' | 'pendingBuilds' | 'finishBuild' | 'deferBuild'
>;

export function buildRecords(db: SqlDb): BuildRecords {
  return {
    async claimDelivery(build, at) {
      // No conflict target: a repeated delivery id and a repeated body are both a duplicate.
      const inserted = await db.run(
        `INSERT INTO builds (delivery_id, body_sha256, repo_id, commit_sha, branch, message, triggered_by, changed, event, held, checkout_ref, default_branch, tag, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
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
          build.tag ?? null,
          at,
        ],
      );
      return inserted === 1;
    },

    async claimBuilds(now, claim, limit) {
      // One statement: a transaction that read first and wrote after could fail, not wait, when the
      // webhook's inserts came in between. Skipping locked rows, two replicas claiming at once each
      // get different builds and neither waits.
      const rows = await db.all(
        `UPDATE builds SET claimed_by = ?, claimed_until = ? WHERE delivery_id IN (
           SELECT delivery_id FROM builds WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?)
             AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?) ORDER BY created_at LIMIT ?${db.dialect.skipLocked})
         RETURNING *`,
        [claim.holder, claim.until, now, now, claim.holder, limit],
      );
      return rows.map(buildFromRow).sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1));
    },

    async pendingBuilds(now) {
      const rows = await db.all(
        `SELECT * FROM builds WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?) ORDER BY created_at`,
        [now],
      );
      return rows.map(buildFromRow);
    },

    async finishBuild(deliveryId, status, error) {
      await db.run(
        'UPDATE builds SET status = ?, error = ?, attempts = attempts + 1, claimed_until = NULL WHERE delivery_id = ?',
        [status, error ?? null, deliveryId],
      );
    },

    async deferBuild(deliveryId, notBefore, error) {
      await db.run(
        'UPDATE builds SET not_before = ?, error = ?, attempts = attempts + 1, claimed_until = NULL WHERE delivery_id = ?',
        [notBefore, error, deliveryId],
      );
    },
  };
}
