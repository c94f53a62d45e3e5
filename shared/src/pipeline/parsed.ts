import type { PlanBuild } from './build-plan.js';
import type { SourcePosition } from './diagnostics.js';
import type { PlanService } from './services-field.js';
import type { Retry, When } from './step-options.js';
import type { Template } from './template.js';

/** What the parser makes of one file, before the files are merged and references checked. */

/** A reference to a step, kept with where it was written so errors can point at it. */
export interface Ref {
  name: string;
  pos: SourcePosition;
}

export interface ParsedCommand {
  template: Template;
  refs: Ref[];
}

export interface ParsedEnv {
  name: string;
  value: Template;
  refs: Ref[];
  pos: SourcePosition;
  /** Named in an env list (a step name), not written as `{step}` in a value. */
  listed?: boolean;
}

export interface ParsedStep {
  name: string;
  pos: SourcePosition;
  img?: string;
  run?: ParsedCommand;
  done?: ParsedCommand;
  env: ParsedEnv[];
  vol: Ref[];
  after: Ref[];
  timeout: number;
  secret: boolean;
  when?: When;
  retry?: Retry;
  allowFailure?: boolean;
  /** `after: human-click` in the step: it waits behind a gate of its own, named by the step. */
  gate?: SourcePosition;
  /** False: the workspace it owns starts empty. */
  checkout?: false;
  /** The most of its stdout kept as its output, in bytes. */
  outputLimit?: number;
  /** The IAM role whose credentials it gets. */
  awsRole?: string;
  /** Globs of workspace files kept when it ends. */
  artifacts?: string[];
  /** Globs of its JUnit XML test reports. */
  reports?: { junit: string[] };
  /** Builds an image instead of running a container. */
  build?: ParsedBuild;
  /** `img: "{step}"`: runs in the image that build step made. */
  imageRef?: Ref;
  cache: ParsedCache[];
  services: PlanService[];
}

/** A cache of a step: a path in its container kept under a key (a template: `{step}` is that output). */
export interface ParsedCache {
  path: string;
  key: ParsedCommand;
}

/** What the parser keeps of a build: the plan's, with where its references are. */
export interface ParsedBuild extends PlanBuild {
  refs: Ref[];
}

export interface ParsedFile {
  path: string;
  steps: ParsedStep[];
  /** Where `after: human-click` stands, when the file has a gate. */
  gate?: SourcePosition;
  /** Step names from the file-level `after`. */
  after: Ref[];
  /** The file-level filter: every step of the file runs only where it matches. */
  when?: When;
  /** The file-level `aws-role`: every step of the file gets it, unless it names its own. */
  awsRole?: string;
  /** The file-level `checkout: false`: the workspaces its steps own start empty. */
  checkout?: false;
}
