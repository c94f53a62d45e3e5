import { describe, expect, it } from 'vitest';
import { demuxDockerStream } from './demux.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function collect(pieces: Buffer[]) {
  const out: Array<[string, string]> = [];
  for await (const chunk of demuxDockerStream(pieces)) out.push([chunk.stream, chunk.data.toString()]);
  return out;
}

describe('demuxDockerStream', () => {
  it('splits frames into stdout and stderr', async () => {
    expect(await collect([Buffer.concat([frame(1, 'out'), frame(2, 'err')])])).toEqual([
      ['stdout', 'out'],
      ['stderr', 'err'],
    ]);
  });

  it('reassembles frames cut at any byte, headers included', async () => {
    const whole = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let cut = 1; cut < whole.length; cut++) {
      const result = await collect([whole.subarray(0, cut), whole.subarray(cut)]);
      expect(result.map((r) => r.join(':')).join('|')).toBe('stdout:hello |stderr:oops|stdout:world');
    }
  });

  it('gives byte-by-byte input the same result', async () => {
    const whole = Buffer.concat([frame(1, 'a'), frame(2, 'b')]);
    expect(await collect([...whole].map((b) => Buffer.from([b])))).toEqual([
      ['stdout', 'a'],
      ['stderr', 'b'],
    ]);
  });
});
