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
    const last = this.buffer.lastIndexOf('\n');
    if (last !== -1) {
      // The chunk's whole lines are masked at once, not one by one: no secret holds a newline
      // (SecretMasker keeps a multi-line value as its lines), so it is the same and far cheaper.
      const complete = this.masker.mask(this.buffer.slice(0, last));
      this.buffer = this.buffer.slice(last + 1);
      for (const line of complete.split('\n')) {
        const text = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
        if (text.length <= this.maxLine) lines.push(text);
        else for (const piece of this.pieces(text, text.length)) lines.push(piece);
      }
    }
    if (this.buffer.length > this.maxLine)
      for (const piece of this.cut(this.buffer, false)) lines.push(piece);
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
    const pieces = this.pieces(masked, masked.length - hold);
    if (complete && pieces.length === 0) pieces.push('');
    if (!complete) this.buffer = masked.slice(pieces.reduce((n, p) => n + p.length, 0));
    return pieces;
  }

  /** The first `upTo` characters of `text` in pieces of at most maxLine, never splitting a surrogate pair. */
  private pieces(text: string, upTo: number): string[] {
    const pieces: string[] = [];
    let at = 0;
    while (at < upTo) {
      let end = Math.min(at + this.maxLine, upTo);
      const code = text.charCodeAt(end - 1);
      if (end < text.length && end - at > 1 && code >= 0xd800 && code <= 0xdbff) end -= 1;
      pieces.push(text.slice(at, end));
      at = end;
    }
    return pieces;
  }
}
