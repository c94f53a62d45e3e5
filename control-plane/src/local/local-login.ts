import { randomBytes } from 'node:crypto';

/** How long a printed sign-in link stays good. */
const CODE_TTL_MS = 10 * 60 * 1000;

/**
 * One-time codes for the local viewer. The server's token must never be on a page any process can
 * GET; instead `dockercise server --local` prints a link with a code, whose first use sets the
 * token as an HttpOnly, SameSite=Strict cookie in that browser. A code works once, for ten minutes.
 */
export class LocalLogin {
  private readonly codes = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  mint(): string {
    const code = randomBytes(24).toString('base64url');
    for (const [old, expires] of this.codes) if (expires <= this.now()) this.codes.delete(old);
    this.codes.set(code, this.now() + CODE_TTL_MS);
    return code;
  }

  /** Whether the code is good; it is spent either way. */
  consume(code: string): boolean {
    const expires = this.codes.get(code);
    this.codes.delete(code);
    return expires !== undefined && expires > this.now();
  }
}
