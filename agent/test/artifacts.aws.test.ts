import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { runPrefix } from '@dockercise/shared';
import { describe, expect, it } from 'vitest';
import { inProcessAgent, jobBody, newAccount, readObject, runFinished, sendJob } from './aws-harness.js';
import { compile, IMG } from './harness.js';

describe("a hosted step's artifacts", () => {
  it("are kept in the customer's bucket byte for byte, multipart when large, with their sha256", async () => {
    const account = await newAccount();
    const agent = inProcessAgent(account);
    const done = agent.run();
    try {
      const plan = compile({
        'a.dockercise.yaml': `build:\n  img: ${IMG}\n  artifacts: [dist/*.bin]\n  run: mkdir -p dist && head -c 20000000 /dev/urandom > dist/app.bin && sha256sum dist/app.bin | cut -c1-64\n`,
      });
      const body = jobBody(account, plan);
      await sendJob(account, body);
      const result = await runFinished(account, body);
      expect(result.status).toBe('succeeded');
      const prefix = runPrefix('app', body.runId);
      const inStep = ((await readObject(account, `${prefix}outputs/build`)) ?? '').trim();
      expect(result.steps[0]?.artifacts).toEqual([
        { path: 'dist/app.bin', size: 20_000_000, sha256: inStep },
      ]);
      const object = await account.aws.s3.send(
        new GetObjectCommand({ Bucket: account.bucket, Key: `${prefix}artifacts/build/dist/app.bin` }),
      );
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect(bytes.length).toBe(20_000_000);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(inStep);
    } finally {
      agent.shutdown();
      await done;
    }
  });
});
