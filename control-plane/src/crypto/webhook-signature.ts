import { createHmac, timingSafeEqual } from 'node:crypto';

/** GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export function signWebhook(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Checks a delivery's signature over the raw body, in constant time. */
export function verifyWebhook(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(signWebhook(secret, body));
  const given = Buffer.from(header);
  // Lengths are public (always 71 for a well-formed header); compare contents in constant time.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
