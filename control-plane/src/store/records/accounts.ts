import type { SecretBox } from '../../crypto/secret-box.js';
import { accountFromRow, claimFromRow, type Row } from '../rows.js';
import type { SqlDb } from '../sql-db.js';
import type { AwsAccount, Store } from '../store.js';

export type AccountRecords = Pick<
  Store,
  | 'createAccount'
  | 'getAccount'
  | 'claimAccount'
  | 'getClaim'
  | 'accountsOf'
  | 'registerAccount'
  | 'saveCapacityRequest'
>;

export function accountRecords(db: SqlDb, box: SecretBox): AccountRecords {
  const getAccount = async (accountId: string): Promise<AwsAccount | undefined> => {
    const [row] = await db.all('SELECT * FROM aws_accounts WHERE account_id = ?', [accountId]);
    return row ? accountFromRow(row, box) : undefined;
  };

  return {
    getAccount,

    async createAccount(account) {
      await db.run(
        `INSERT INTO aws_accounts (account_id, owner_id, external_id, region, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (account_id) DO UPDATE SET external_id = excluded.external_id, region = excluded.region
           WHERE aws_accounts.owner_id = excluded.owner_id AND aws_accounts.verified_at IS NULL`,
        [
          account.accountId,
          account.ownerId,
          box.seal(account.externalId),
          account.region,
          new Date().toISOString(),
        ],
      );
      return (await getAccount(account.accountId)) as AwsAccount;
    },

    async claimAccount(claim, now) {
      const [row] = await db.all(
        `INSERT INTO account_claims (user_id, account_id, external_id, region, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (user_id, account_id) DO UPDATE SET region = excluded.region, expires_at = excluded.expires_at,
             external_id = CASE WHEN account_claims.expires_at > ? THEN account_claims.external_id ELSE excluded.external_id END
           RETURNING *`,
        [claim.userId, claim.accountId, box.seal(claim.externalId), claim.region, claim.expiresAt, now],
      );
      return claimFromRow(row as Row, box);
    },

    async getClaim(userId, accountId) {
      const [row] = await db.all('SELECT * FROM account_claims WHERE user_id = ? AND account_id = ?', [
        userId,
        accountId,
      ]);
      return row ? claimFromRow(row, box) : undefined;
    },

    async accountsOf(userId) {
      const [accounts, claims] = await Promise.all([
        db.all(
          'SELECT * FROM aws_accounts WHERE owner_id = ? AND verified_at IS NOT NULL ORDER BY account_id',
          [userId],
        ),
        db.all('SELECT * FROM account_claims WHERE user_id = ? ORDER BY account_id', [userId]),
      ]);
      return {
        accounts: accounts.map((row) => accountFromRow(row, box)),
        claims: claims.map((row) => claimFromRow(row, box)),
      };
    },

    async registerAccount(accountId, o, verifiedAt, claim) {
      return db.transaction(async (tx) => {
        if (claim) {
          // An unverified row (from before claims, or the claimant's own) gives way; a verified
          // account of someone else's does not.
          await tx.run(
            `INSERT INTO aws_accounts (account_id, owner_id, external_id, region, created_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (account_id) DO UPDATE SET owner_id = excluded.owner_id, external_id = excluded.external_id
               WHERE aws_accounts.verified_at IS NULL OR aws_accounts.owner_id = excluded.owner_id`,
            [accountId, claim.userId, box.seal(claim.externalId), claim.region, verifiedAt],
          );
          await tx.run('DELETE FROM account_claims WHERE user_id = ? AND account_id = ?', [
            claim.userId,
            accountId,
          ]);
        }
        await tx.run(
          `UPDATE aws_accounts SET role_arn = ?, queue_url = ?, dead_letter_queue_url = ?, bucket = ?, log_group = ?,
             host_group = ?, max_hosts = ?, jobs_per_host = ?, region = ?, verified_at = ?
             WHERE account_id = ? AND owner_id = coalesce(?, owner_id)`,
          [
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
          ],
        );
        const [row] = await tx.all('SELECT * FROM aws_accounts WHERE account_id = ?', [accountId]);
        return accountFromRow(row as Row, box);
      });
    },

    async saveCapacityRequest(accountId, wanted, at) {
      await db.run(
        'UPDATE aws_accounts SET capacity_requested_at = ?, capacity_wanted = ? WHERE account_id = ?',
        [at, wanted, accountId],
      );
    },
  };
}
