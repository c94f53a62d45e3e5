import type { TestProject } from 'vitest/node';
import motoSetup from '../../agent/test/moto.global.js';
import { startCluster } from '../../bench/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server's superuser URL: each test file makes a database of its own on it. */
    postgresUrl: string;
  }
}

/**
 * The PostgreSQL server the tests use: the one `.ci/run` started (DOCKERCISE_TEST_DATABASE_URL),
 * or, run by hand, a throwaway cluster of its own; and moto, for the replicas' AWS.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopMoto = await motoSetup(project);
  const given = process.env.DOCKERCISE_TEST_DATABASE_URL;
  const cluster = given ? undefined : await startCluster();
  project.provide('postgresUrl', given ?? cluster?.url ?? '');
  return async () => {
    cluster?.destroy();
    await stopMoto();
  };
}
