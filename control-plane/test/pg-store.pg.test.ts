import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../src/crypto/secret-box.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { openPgStore } from '../src/store/open-store.js';
import { freshDatabase } from './postgres.js';
import { storeContract } from './store-contract.js';

const box = new SecretBox('s'.repeat(32));

storeContract('PostgreSQL', async () => openPgStore(await freshDatabase(), box));

describe('the PostgreSQL schema', () => {
  it('takes a database numbered by the list PostgreSQL once had of its own, and runs nothing twice', async () => {
    const url = await freshDatabase();
    const first = await openPgStore(url, box);
    const user = await first.upsertUser({ githubId: 7, login: 'octo', token: 'gho_x' });
    await first.close();
    // What that list left: the schema of SQLite's first 14, numbered 1 (its first 13) and 2 (the
    // 14th); what came after that list (the tag and fork columns) is not there yet.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      'ALTER TABLE builds DROP COLUMN tag; ALTER TABLE runs DROP COLUMN tag; ALTER TABLE runs DROP COLUMN fork',
    );
    await client.query('DELETE FROM schema_migrations WHERE version > 2');
    await client.end();

    const again = await openPgStore(url, box);
    expect(await again.db.schemaVersion()).toBe(MIGRATIONS.length);
    expect((await again.getUser(user.id))?.login).toBe('octo');
    await again.close();
  });
});
