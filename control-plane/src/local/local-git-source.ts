import { isPipelineFile } from '@dockercise/shared';
import type { PipelineFile, PipelineSource } from '../builds/pipeline-source.js';
import { type GitHead, gitFileSizes, gitShow } from './git.js';

/** A local repository's pipeline at a commit: committed files only, as a push would carry them. */
export class LocalGitSource implements PipelineSource {
  readonly description: string;

  constructor(private readonly head: GitHead) {
    this.description = `${head.root} at ${head.commit.slice(0, 7)}`;
  }

  async pipelineFiles(): Promise<PipelineFile[]> {
    const files = await gitFileSizes(this.head.root, this.head.commit);
    return files.filter((file) => isPipelineFile(file.path));
  }

  read(file: PipelineFile): Promise<string> {
    return gitShow(this.head.root, this.head.commit, file.path);
  }
}
