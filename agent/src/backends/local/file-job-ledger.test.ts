import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJobLedger } from './file-job-ledger.js';

describe('FileJobLedger', () => {
  it('tells a first delivery, a redelivery of the same message and a replay in another apart', async () => {
    const ledger = new FileJobLedger(await mkdtemp(join(tmpdir(), 'ledger-')));
    expect(await ledger.claim('nonce-aaaaaaaaaaaaaaaa', 'message-1')).toBe('first');
    expect(await ledger.claim('nonce-aaaaaaaaaaaaaaaa', 'message-1')).toBe('redelivery');
    expect(await ledger.claim('nonce-aaaaaaaaaaaaaaaa', 'message-2')).toBe('replay');
    expect(await ledger.claim('nonce-bbbbbbbbbbbbbbbb', 'message-2')).toBe('first');
  });
});
