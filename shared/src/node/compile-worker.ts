import { parentPort } from 'node:worker_threads';
import { compilePipeline, type PipelineSource } from '../pipeline/compile.js';

/**
 * The thread that compiles for `PipelineCompiler`: one request at a time, answered by id. It says
 * when it is loaded, so the time limit counts compiling, not starting.
 */
parentPort?.on('message', (request: { id: number; sources: PipelineSource[] }) => {
  parentPort?.postMessage({ id: request.id, result: compilePipeline(request.sources) });
});
parentPort?.postMessage({ ready: true });
