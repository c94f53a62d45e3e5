import { SecretBox } from '../src/crypto/secret-box.js';
import { PgStore } from '../src/store/pg/pg-store.js';
import { freshDatabase } from './postgres.js';
import { storeContract } from './store-contract.js';

storeContract('PostgreSQL', async () => PgStore.open(await freshDatabase(), new SecretBox('s'.repeat(32))));
