import { S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountAccess, AccountClients } from '../aws/account-access.js';
import type { AwsAccount } from '../store/store.js';
import { AwsResultReader } from './aws-result-reader.js';
import { AccountUnreachableError } from './errors.js';

const account: AwsAccount = {
  accountId: '123456789012',
  ownerId: 1,
  externalId: 'x',
  region: 'us-east-1',
  bucket: 'results',
};
const run = { accountId: account.accountId, pipeline: 'app', runId: '20261127T000000Z-abcdef' };
const accounts = async (id: string) => (id === account.accountId ? account : undefined);
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://s3.test',
  forcePathStyle: true,
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  maxAttempts: 1,
});
const access = (clients: () => Promise<AccountClients>) => ({ clients }) as unknown as AccountAccess;

describe('AwsResultReader', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());

  it('reads a key S3 hides behind 403 (no s3:ListBucket) as not written yet', async () => {
    nock('http://s3.test')
      .get(`/results/runs/app/${run.runId}/result.json`)
      .query(true)
      .reply(
        403,
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
    const reader = new AwsResultReader(
      access(async () => ({ s3 }) as AccountClients),
      accounts,
    );
    expect(await reader.result(run)).toBeUndefined();
  });

  it('says the account is unreachable, as its own error, when the role cannot be assumed', async () => {
    const reader = new AwsResultReader(
      access(() => Promise.reject(new Error('AccessDenied: not trusted'))),
      accounts,
    );
    await expect(reader.result(run)).rejects.toBeInstanceOf(AccountUnreachableError);
  });
});
