import { existsSync } from 'node:fs';
import { chmod, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where `{step}` puts a step's output inside a container. */
export const OUTPUT_MOUNT_DIR = '/dockercise/outputs';

const SECRET_DIR = '/dev/shm';

/**
 * Host files holding step outputs, bind-mounted read-only into the steps that reference them.
 * Outputs of secret steps live on a tmpfs (/dev/shm) so they never touch a disk. Only the files a
 * step references are mounted into it.
 *
 * A step's container may be made while the steps it reads are still running (see prepared-steps.ts),
 * so a file can be reserved empty and filled later. It is filled in place, never renamed over: a
 * bind mount holds the file's inode, and a rename would leave the container the empty one.
 */
export class OutputFiles {
  private dirs = new Map<'plain' | 'secret', Promise<string>>();
  private reserved = new Map<string, Promise<string>>();
  private filled = new Map<string, Promise<string>>();

  constructor(private readonly runId: string) {}

  /** The host path of a step's output file, made empty if it does not exist yet. */
  reserve(step: string, secret: boolean): Promise<string> {
    let path = this.reserved.get(step);
    if (!path) {
      path = this.file(step, '', secret, 0o644);
      this.reserved.set(step, path);
    }
    return path;
  }

  /** The host path of a file holding `output`: written on first use, in place if it was reserved. */
  pathFor(step: string, output: Uint8Array, secret: boolean): Promise<string> {
    let path = this.filled.get(step);
    if (!path) {
      path = this.reserve(step, secret).then(async (reserved) => {
        // 'r+' then truncate: the same inode, whatever containers already mount it.
        const file = await open(reserved, 'r+');
        try {
          await file.truncate(0);
          await file.write(output, 0, output.length, 0);
        } finally {
          await file.close();
        }
        return reserved;
      });
      this.filled.set(step, path);
    }
    return path;
  }

  /** Any other file a step needs, by name: in the tmpfs when secret, read-only for the owner when `mode` says so. */
  async file(name: string, content: string | Uint8Array, secret: boolean, mode = 0o444): Promise<string> {
    const dir = await this.dir(secret ? 'secret' : 'plain');
    const path = join(dir, name);
    await writeFile(path, content, { mode });
    return path;
  }

  async removeAll(): Promise<void> {
    const dirs = await Promise.allSettled(this.dirs.values());
    this.dirs.clear();
    this.reserved.clear();
    this.filled.clear();
    await Promise.all(
      dirs.map((d) => (d.status === 'fulfilled' ? rm(d.value, { recursive: true, force: true }) : undefined)),
    );
  }

  private dir(kind: 'plain' | 'secret'): Promise<string> {
    let dir = this.dirs.get(kind);
    if (!dir) {
      dir = (async () => {
        if (kind === 'secret' && !existsSync(SECRET_DIR)) {
          throw new Error(
            `secret outputs are kept on a tmpfs at ${SECRET_DIR}, which this host does not have`,
          );
        }
        const made = await mkdtemp(
          join(kind === 'secret' ? SECRET_DIR : tmpdir(), `dockercise-${this.runId}-`),
        );
        await chmod(made, 0o700);
        return made;
      })();
      this.dirs.set(kind, dir);
    }
    return dir;
  }
}
