import type { SecretBox } from '../../crypto/secret-box.js';
import { repoFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { Repo, Store } from '../store.js';

export type RepoRecords = Pick<
  Store,
  'saveRepo' | 'getRepo' | 'getRepoByHookId' | 'getRepoByName' | 'deleteRepo'
>;

export function repoRecords(db: SqlDb, box: SecretBox): RepoRecords {
  const repoWhere = async (column: 'id' | 'webhook_id' | 'full_name', value: string | number) => {
    const [row] = await db.all(`SELECT * FROM repos WHERE ${column} = ?`, [value]);
    return row ? repoFromRow(row, box) : undefined;
  };

  return {
    async saveRepo(repo: Repo) {
      await db.run(
        `INSERT INTO repos (id, full_name, owner_id, account_id, webhook_id, webhook_secret, deploy_key_id, deploy_private_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, owner_id = excluded.owner_id, account_id = excluded.account_id,
             webhook_id = excluded.webhook_id, webhook_secret = excluded.webhook_secret, deploy_key_id = excluded.deploy_key_id,
             deploy_private_key = excluded.deploy_private_key`,
        [
          repo.id,
          repo.fullName,
          repo.ownerId,
          repo.accountId,
          repo.webhookId ?? null,
          box.seal(repo.webhookSecret),
          repo.deployKeyId ?? null,
          box.seal(repo.deployPrivateKey),
          new Date().toISOString(),
        ],
      );
    },
    getRepo: (id) => repoWhere('id', id),
    getRepoByHookId: (hookId) => repoWhere('webhook_id', hookId),
    getRepoByName: (fullName) => repoWhere('full_name', fullName),
    async deleteRepo(id) {
      await db.run('DELETE FROM repos WHERE id = ?', [id]);
    },
  };
}
