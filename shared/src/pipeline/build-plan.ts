import type { Template } from './template.js';

/**
 * A step that builds an image instead of running one (`build:`): the host's engine builds it from
 * the step's workspace, so the step needs no Docker socket; its output is the image's reference.
 */
export interface PlanBuild {
  /** A folder of the step's workspace ('.': the workspace itself, which holds the checkout). */
  context: string;
  /** The Dockerfile, a path in the workspace: `<context>/Dockerfile` unless said. */
  file: string;
  /** The Dockerfile stage to build; the last one when absent. */
  target?: string;
  /** Build arguments: text, or other steps' outputs (`{step}`). */
  args: Array<{ name: string; value: Template }>;
  /** Image names to push the built image to. */
  push: string[];
}
