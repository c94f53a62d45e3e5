import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../../test/store-contract.js';
import { SecretBox } from '../crypto/secret-box.js';
import { openSqliteStore } from './open-store.js';

storeContract('SQLite', async () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), 'store-')), 'store.db'), new SecretBox('s'.repeat(32))),
);
