import { isPipelineFile, type Logger } from '@dockercise/shared';
import type { PipelineFile, PipelineSource } from '../builds/pipeline-source.js';
import type { GitHub } from './github.js';

/** A repository's pipeline at a pushed commit, read through GitHub's API as the repository's owner. */
export class GitHubSource implements PipelineSource {
  readonly description: string;
  /** Blob ids by path, from the tree: a file is read by its blob, which cannot change under us. */
  private readonly blobs = new Map<string, string>();

  constructor(
    private readonly github: GitHub,
    private readonly token: string,
    private readonly repo: string,
    private readonly commit: string,
    private readonly logger: Logger,
  ) {
    this.description = `${repo} at ${commit.slice(0, 7)}`;
  }

  async pipelineFiles(): Promise<PipelineFile[]> {
    const tree = await this.github.tree(this.token, this.repo, this.commit);
    if (tree.truncated)
      this.logger.warn(
        { repo: this.repo, commit: this.commit },
        'GitHub truncated the tree: pipeline files beyond it are not seen',
      );
    const files: PipelineFile[] = [];
    for (const entry of tree.tree) {
      if (entry.type !== 'blob' || !isPipelineFile(entry.path)) continue;
      this.blobs.set(entry.path, entry.sha);
      files.push({ path: entry.path, bytes: entry.size ?? 0 });
    }
    return files;
  }

  async read(file: PipelineFile): Promise<string> {
    const sha = this.blobs.get(file.path);
    if (!sha) throw new Error(`${file.path} is not in the tree of ${this.description}`);
    return this.github.blob(this.token, this.repo, sha);
  }
}
