/** The local backend: runs on one machine, results and logs in files, jobs in memory. */
export { FileCancelRequests } from './file-cancel-requests.js';
export { FileJobLedger } from './file-job-ledger.js';
export { FileLogSink } from './file-log-sink.js';
export { LocalResultStore } from './local-result-store.js';
export { type DeadLetter, MemoryJobQueue } from './memory-job-queue.js';
