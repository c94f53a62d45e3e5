import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { JobBody } from '@dockercise/shared/node';
import { describe, expect, it } from 'vitest';
import {
  controlPlaneKeys,
  endpoint,
  inProcessAgent,
  newAccount,
  REGION,
  runFinished,
} from './aws-harness.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/send-job.mjs', import.meta.url));
const HELLO = fileURLToPath(new URL('../../examples/hello', import.meta.url));

describe("docs/agent.md's moto walk-through", () => {
  it('sends the agent a signed job for a folder with scripts/send-job.mjs, and the agent runs it', async () => {
    const account = await newAccount();
    const agent = inProcessAgent(account);
    const done = agent.run();
    try {
      const key = join(mkdtempSync(join(tmpdir(), 'dockercise-key-')), 'control-plane.pem');
      writeFileSync(key, controlPlaneKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
      });
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          SCRIPT,
          '--queue-url',
          account.queueUrl,
          '--key',
          key,
          '--endpoint',
          endpoint(),
          '--region',
          REGION,
          HELLO,
        ],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
      );
      const runId = stdout.trim();
      const body = { pipeline: 'hello', runId } as JobBody;
      const result = await runFinished(account, body);
      expect(result.status).toBe('succeeded');
      expect(result.steps.map((s) => s.name).sort()).toEqual(['greeting', 'report', 'who']);
    } finally {
      agent.shutdown();
      await done;
    }
  });
});
