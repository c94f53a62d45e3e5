/**
 * The runner on this machine — the Docker engine, results and logs in files — without the daemon
 * or the AWS SDK: what `dockercise run` loads. The package's main entry exports all of it too.
 */
export { type Logger, silentLogger } from '@dockercise/shared';
export type { ResultStore } from './backend/result-store.js';
export {
  type BackendSettings as LocalBackendSettings,
  createBackend as createLocalBackend,
  type DeadLetter,
  FileLogSink,
  LocalResultStore,
  MemoryJobQueue,
} from './backends/local/index.js';
export { archiveSource } from './checkout/archive-source.js';
export {
  type BorrowedGit,
  borrowGit,
  cloneOrigin,
  gitObjectsDir,
  MIRROR_MOUNT_DIR,
} from './checkout/borrowed-git.js';
export { filesSource, folderSource, type WorkspaceSource } from './checkout/workspace-source.js';
export { parseMemory, toDockerCreateOptions } from './engine/docker-convert.js';
export { DockerEngine } from './engine/docker-engine.js';
export * from './engine/engine.js';
export { dockerConfigAuth } from './images/docker-config-auth.js';
export { type RegistryAuth, type RegistryCredentials, registryOf } from './images/registry-auth.js';
export * from './logs/log-sink.js';
export { createLogger, LOG_LEVELS, type LogFormat } from './logs/pino-logger.js';
export { SecretMasker } from './logs/secret-masker.js';
export { keptWorkspaces } from './runner/gate-workspaces.js';
export { planResume, type Resume } from './runner/resume.js';
export { RUN_LABEL, type RunOptions, runPlan, STEP_LABEL } from './runner/run-plan.js';
