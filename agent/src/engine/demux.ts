import type { OutputChunk } from './engine.js';

const HEADER = 8;

/**
 * Splits Docker's multiplexed attach stream (used when the container has no TTY) into stdout and
 * stderr chunks: each frame is an 8-byte header — stream type, three zero bytes, big-endian size —
 * then the payload. Iterating lazily keeps backpressure: while the consumer is busy, the socket is
 * not read, and the container blocks on its own writes instead of us buffering without bound.
 */
export async function* demuxDockerStream(
  raw: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<OutputChunk> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of raw) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= HEADER) {
      const type = pending[offset];
      const size = pending.readUInt32BE(offset + 4);
      if (pending.length - offset - HEADER < size) break;
      const data = pending.subarray(offset + HEADER, offset + HEADER + size);
      offset += HEADER + size;
      // Type 0 is stdin (never attached here); anything else but 2 we treat as stdout.
      if (size > 0) yield { stream: type === 2 ? 'stderr' : 'stdout', data };
    }
    pending = offset === 0 ? pending : Buffer.from(pending.subarray(offset));
  }
}
