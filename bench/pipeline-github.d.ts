export interface PipelineGitHub {
  url: string;
  state: {
    /** How long each tree takes to answer: a slow GitHub, for builds that are under way a while. */
    delayMs: number;
    trees: number;
    statuses: Array<{ repo: string; sha: string; state: string; description: string }>;
  };
  close(): Promise<void>;
}

export function startPipelineGitHub(
  files: Record<string, string>,
  options?: { delayMs?: number },
): Promise<PipelineGitHub>;
