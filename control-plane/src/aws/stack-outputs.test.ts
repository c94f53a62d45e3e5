import { describe, expect, it } from 'vitest';
import { isBucketName, isSqsQueueUrl } from './stack-outputs.js';

describe('stack outputs', () => {
  it("takes only SQS's own queue URLs, in the account and region being connected", () => {
    const ok = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dockercise-jobs';
    expect(isSqsQueueUrl(ok, '123456789012', 'eu-west-1')).toBe(true);
    expect(
      isSqsQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q', '123456789012', 'cn-north-1'),
    ).toBe(true);
    for (const url of [
      'https://attacker.example/123456789012/dockercise-jobs',
      'http://sqs.eu-west-1.amazonaws.com/123456789012/dockercise-jobs',
      'https://sqs.eu-west-1.amazonaws.com.attacker.example/123456789012/q',
      'https://sqs.eu-west-1.amazonaws.com/210987654321/dockercise-jobs',
      'https://sqs.us-east-1.amazonaws.com/123456789012/dockercise-jobs',
      'https://169.254.169.254/123456789012/q',
      `${ok}/../x`,
    ])
      expect(isSqsQueueUrl(url, '123456789012', 'eu-west-1')).toBe(false);
  });

  it("checks S3's bucket naming rules", () => {
    expect(isBucketName('dockercise-results-abc123')).toBe(true);
    for (const name of ['ab', 'Upper', 'a..b', '192.168.0.1', '-start', 'end-', 'a'.repeat(64), 'xn--x'])
      expect(isBucketName(name)).toBe(false);
  });
});
