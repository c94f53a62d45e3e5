import { StringDecoder } from 'node:string_decoder';
import type { SecretMasker } from './secret-masker.js';

export const DEFAULT_MAX_LINE = 64 * 1024;

/**
 * Turns a byte stream into masked log lines. Chunk boundaries are arbitrary — a UTF-8 character, a
 * line, or a secret may be split across two writes — so text is buffered until a newline. A line
 * longer than `maxLine` is cut into pieces; before a cut the buffer is masked, and the last
 * (longest secret − 1) characters are held back, since they may begin a secret that the next chunk
 * completes.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';

  constructor(
    private readonly masker: SecretMasker,
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {}

  push(chunk: Buffer): string[] {
    this.buffer += this.decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (let nl = this.buffer.indexOf('\n', start); nl !== -1; nl = this.buffer.indexOf('\n', start)) {
      const end = nl > start && this.buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      lines.push(...this.cut(this.buffer.slice(start, end), true));
      start = nl + 1;
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
    if (this.buffer.length > this.maxLine) {
      const pieces = this.cut(this.buffer, false);
      lines.push(...pieces);
    }
    return lines;
  }

  /** The last, unterminated line. */
  end(): string[] {
    this.buffer += this.decoder.end();
    const rest = this.buffer;
    this.buffer = '';
    return rest === '' ? [] : this.cut(rest, true);
  }

  /** Masks `text` and cuts it into pieces of at most maxLine; unless `complete`, keeps a tail in the buffer. */
  private cut(text: string, complete: boolean): string[] {
    const masked = this.masker.mask(text);
    const hold = complete ? 0 : Math.min(Math.max(0, this.masker.longest - 1), this.maxLine - 1);
    const emitUpTo = masked.length - hold;
    const pieces: string[] = [];
    let at = 0;
    while (at < emitUpTo) {
      let end = Math.min(at + this.maxLine, emitUpTo);
      // Never split a surrogate pair.
      const code = masked.charCodeAt(end - 1);
      if (end < masked.length && end - at > 1 && code >= 0xd800 && code <= 0xdbff) end -= 1;
      pieces.push(masked.slice(at, end));
      at = end;
    }
    if (complete && pieces.length === 0) pieces.push('');
    if (!complete) this.buffer = masked.slice(at);
    return pieces;
  }
}
