import type { RunResult } from '@dockercise/shared';
import type { ResultStore } from '../backend/result-store.js';

/** A result store that writes nothing once the run is another agent's: its results are theirs. */
export function fenced(store: ResultStore, lost: () => boolean): ResultStore {
  return {
    location: store.location,
    loadResult: () => store.loadResult(),
    loadOutput: (step) => store.loadOutput(step),
    saveResult: async (result) => {
      if (!lost()) await store.saveResult(result);
    },
    saveOutput: async (step, output) => {
      if (!lost()) await store.saveOutput(step, output);
    },
    saveArtifact: async (step, path, content, size) => {
      if (lost()) content.resume();
      else await store.saveArtifact(step, path, content, size);
    },
  };
}

/** The result as it stands, made resumable: what was cut short is pending again. */
export function handBack(result: RunResult): RunResult {
  return {
    ...result,
    status: 'pending',
    error: 'interrupted: the agent shut down; another attempt resumes the run',
    steps: result.steps.map((s) =>
      s.status === 'cancelled' ? { ...s, status: 'pending', error: 'interrupted by an agent shutdown' } : s,
    ),
  };
}
