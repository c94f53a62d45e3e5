/** The local backend: runs on one machine, results and logs in files, jobs in memory. */

export { FileLogSink } from './file-log-sink.js';
export { type BackendSettings, createBackend } from './local-backend.js';
export { LocalResultStore } from './local-result-store.js';
export { type DeadLetter, MemoryJobQueue } from './memory-job-queue.js';
