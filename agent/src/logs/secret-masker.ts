export const MASK = '***';
/** Shorter values are not masked: replacing every "on" or "1" in a log would make it unreadable. */
export const MIN_SECRET_LENGTH = 3;

/**
 * Replaces every occurrence of known secret values with `***`, and of their base64 and hex forms.
 * A multi-line secret (a key file) is masked line by line, since logs are handled a line at a time.
 */
export class SecretMasker {
  private secrets: string[] = [];

  /** Registers a secret value; returns the parts too short to mask, so the caller can warn. */
  add(value: string): string[] {
    const tooShort: string[] = [];
    for (const raw of value.split(/\r?\n/)) {
      const part = raw.trim();
      if (part === '') continue;
      if (part.length < MIN_SECRET_LENGTH) {
        tooShort.push(part);
        continue;
      }
      // A step that prints a secret encoded (`base64`, `xxd -p`) prints it all the same.
      const bytes = Buffer.from(part);
      for (const form of [
        part,
        bytes.toString('base64'),
        bytes.toString('base64').replace(/=+$/, ''),
        bytes.toString('hex'),
      ])
        if (!this.secrets.includes(form)) this.secrets.push(form);
    }
    // Longest first, so a secret that contains another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
    return tooShort;
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** Length of the longest secret: how much text must be held back before a line may be cut. */
  get longest(): number {
    return this.secrets[0]?.length ?? 0;
  }

  mask(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }
}
