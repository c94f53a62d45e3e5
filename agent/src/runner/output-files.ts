import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where `{step}` puts a step's output inside a container. */
export const OUTPUT_MOUNT_DIR = '/dockercise/outputs';

const SECRET_DIR = '/dev/shm';

/**
 * Host files holding step outputs, bind-mounted read-only into the steps that reference them.
 * Outputs of secret steps live on a tmpfs (/dev/shm) so they never touch a disk. Only the files a
 * step references are mounted into it.
 */
export class OutputFiles {
  private dirs = new Map<'plain' | 'secret', Promise<string>>();
  private files = new Map<string, Promise<string>>();

  constructor(private readonly runId: string) {}

  /** The host path of a file holding `output`, written on first use. */
  pathFor(step: string, output: Uint8Array, secret: boolean): Promise<string> {
    let path = this.files.get(step);
    if (!path) {
      path = this.file(step, output, secret);
      this.files.set(step, path);
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
    this.files.clear();
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
