import type { SecretBox } from '../../crypto/secret-box.js';
import { type Row, userFromRow } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { Store } from '../store.js';

export type UserRecords = Pick<Store, 'upsertUser' | 'getUser' | 'endSessions'>;

export function userRecords(db: SqlDb, box: SecretBox): UserRecords {
  return {
    async upsertUser(user) {
      const [row] = await db.all(
        `INSERT INTO users (github_id, login, token, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (github_id) DO UPDATE SET login = excluded.login, token = excluded.token RETURNING *`,
        [user.githubId, user.login, box.seal(user.token), new Date().toISOString()],
      );
      return userFromRow(row as Row, box);
    },

    async getUser(id) {
      const [row] = await db.all('SELECT * FROM users WHERE id = ?', [id]);
      return row ? userFromRow(row, box) : undefined;
    },

    async endSessions(userId) {
      await db.run('UPDATE users SET session_version = session_version + 1 WHERE id = ?', [userId]);
    },
  };
}
