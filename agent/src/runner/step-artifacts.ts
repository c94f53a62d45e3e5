import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { ResultStore } from '../backend/result-store.js';
import type { ContainerEngine } from '../engine/engine.js';
import type { StepLog } from '../logs/log-sink.js';
import { addSummaries, MAX_REPORT_BYTES, readJunit, type TestSummary } from '../reports/junit.js';

/** A kept file: its path in the workspace, its size and its sha256 (hex). */
export interface KeptArtifact {
  path: string;
  size: number;
  sha256: string;
}

/** What one file, and one run in all, may keep (an agent setting; these unless said). */
export interface ArtifactLimits {
  fileBytes: number;
  runBytes: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = { fileBytes: 1024 ** 3, runBytes: 5 * 1024 ** 3 };

/** A glob as a whole-path pattern: `**` across folders, `*` and `?` within one. */
export function globPattern(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches no folder or any number of them; a trailing `**` everything below.
      if (glob[i + 2] === '/') {
        pattern += '(?:.*/)?';
        i += 2;
      } else {
        pattern += '.*';
        i += 1;
      }
    } else if (c === '*') pattern += '[^/]*';
    else if (c === '?') pattern += '[^/]';
    else pattern += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/**
 * Keeps the files of the step's workspace its `artifacts` globs match, when it ends: read from the
 * volume as the engine archives it (so a link is a link, never followed to the host), each
 * streamed to the results with its size and sha256. A link, a file past the per-file limit, and
 * what passes the run's limit are left, each with a line in the step's log; a glob that matched
 * nothing is a warning there too.
 */
export class StepArtifacts {
  private keptBytes = 0;

  constructor(
    private readonly engine: ContainerEngine,
    private readonly store: ResultStore,
    private readonly limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
  ) {}

  /**
   * Keeps what the step's globs match; files its JUnit globs match are kept too, and read into a
   * summary of its tests (a report that is not JUnit is said in its log).
   */
  async keep(
    step: string,
    globs: { artifacts: readonly string[]; junit: readonly string[] },
    volume: string,
    image: string,
    log: StepLog,
  ): Promise<{ kept: KeptArtifact[]; tests?: TestSummary }> {
    const patterns = [
      ...globs.artifacts.map((glob) => ({ glob, pattern: globPattern(glob), matched: false, report: false })),
      ...globs.junit.map((glob) => ({ glob, pattern: globPattern(glob), matched: false, report: true })),
    ];
    const kept: KeptArtifact[] = [];
    const notes: string[] = [];
    const reports = new Map<string, Buffer[]>();
    try {
      await this.engine.exportVolume(volume, image, (archive) =>
        this.walk(archive, step, patterns, kept, notes, reports),
      );
    } catch (error) {
      // What was kept before the fault stays listed; the step's own outcome stands.
      notes.push(`could not keep the artifacts: ${(error as Error).message}`);
    }
    for (const p of patterns)
      if (!p.matched) notes.push(`${p.report ? 'report' : 'artifact'} ${p.glob} matched no file`);
    const summaries: TestSummary[] = [];
    for (const [path, chunks] of reports) {
      try {
        summaries.push(readJunit(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        notes.push(`report ${path}: ${(error as Error).message}`);
      }
    }
    if (notes.length > 0) {
      const ts = Date.now();
      await log.write(
        notes.map((note) => ({ ts, stream: 'stderr' as const, text: `[dockercise: ${note}]` })),
      );
    }
    return summaries.length > 0 ? { kept, tests: addSummaries(summaries) } : { kept };
  }

  private async walk(
    archive: Readable,
    step: string,
    patterns: Array<{ glob: string; pattern: RegExp; matched: boolean; report: boolean }>,
    kept: KeptArtifact[],
    notes: string[],
    reports: Map<string, Buffer[]>,
  ): Promise<void> {
    const extract = tar.extract();
    const work = new Promise<void>((resolve, reject) => {
      extract.on('entry', (header, stream, next) => {
        const path = header.name.replace(/^\.?\/?data\/?/, '');
        const matching = path ? patterns.filter((p) => p.pattern.test(path)) : [];
        for (const p of matching) p.matched = true;
        const skip = (note?: string): void => {
          if (note) notes.push(note);
          stream.resume();
          stream.on('end', next);
        };
        if (matching.length === 0 || header.type === 'directory') return skip();
        if (header.type !== 'file')
          return skip(
            `artifact ${path} is a ${header.type === 'symlink' ? 'symbolic link' : header.type}: not kept (links are never followed)`,
          );
        const size = header.size ?? 0;
        if (size > this.limits.fileBytes)
          return skip(
            `artifact ${path} is ${size} bytes, past the ${this.limits.fileBytes}-byte limit for a file: not kept`,
          );
        if (this.keptBytes + size > this.limits.runBytes)
          return skip(
            `artifact ${path} would pass the run's ${this.limits.runBytes}-byte limit for artifacts: not kept`,
          );
        this.keptBytes += size;
        const hash = createHash('sha256');
        const body = new PassThrough();
        // A report is read too, unless it is too large to be one.
        const report: Buffer[] | undefined =
          matching.some((p) => p.report) && size <= MAX_REPORT_BYTES ? [] : undefined;
        if (matching.some((p) => p.report) && !report)
          notes.push(`report ${path} is past ${MAX_REPORT_BYTES} bytes: kept, not read`);
        if (report) reports.set(path, report);
        stream.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          report?.push(chunk);
        });
        stream.pipe(body);
        this.store.saveArtifact(step, path, body, size).then(
          () => {
            kept.push({ path, size, sha256: hash.digest('hex') });
            next();
          },
          (error: unknown) => {
            stream.destroy();
            reject(error);
          },
        );
      });
      extract.on('finish', resolve);
      extract.on('error', reject);
    });
    await Promise.all([pipeline(archive, extract), work]);
  }
}
