import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@dockercise/shared';
import type { ContainerEngine } from '../engine/engine.js';
import { createLogger, type LogFormat } from './logger.js';

export interface ServerCliOptions {
  local?: boolean;
  port: number;
  data?: string;
  uiDir?: string;
  logLevel: string;
  logFormat: LogFormat;
}

/** The slice of @dockercise/control-plane/local this command uses. */
interface LocalServerModule {
  startLocalServer(options: {
    port: number;
    dataDir: string;
    uiDir?: string;
    engine?: ContainerEngine & { ping(): Promise<void> };
    logger: Logger;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/** Named in a variable so the agent's build does not depend on the control plane (it depends on us). */
const LOCAL_SERVER_MODULE = '@dockercise/control-plane/local';

export const DEFAULT_DATA_DIR = join(homedir(), '.dockercise', 'local');

/**
 * `dockercise server --local`. The local server lives in the control plane's package, which a
 * monorepo checkout has and an agent host's tarball does not; loaded when asked for.
 */
export async function serverCommand(options: ServerCliOptions): Promise<number> {
  if (!options.local) {
    process.stderr.write(
      'dockercise server: only --local is served from this command; the hosted control plane runs with `node control-plane/dist/index.js` (see the README)\n',
    );
    return 64;
  }
  let module: LocalServerModule;
  try {
    module = (await import(LOCAL_SERVER_MODULE)) as LocalServerModule;
  } catch (error) {
    process.stderr.write(
      `dockercise server: the control plane is not installed beside this dockercise (${(error as Error).message})\n`,
    );
    return 69;
  }
  const logger = createLogger(options.logLevel, options.logFormat);
  const dataDir = options.data ?? DEFAULT_DATA_DIR;
  let server: Awaited<ReturnType<LocalServerModule['startLocalServer']>>;
  try {
    server = await module.startLocalServer({
      port: options.port,
      dataDir,
      ...(options.uiDir ? { uiDir: options.uiDir } : {}),
      logger,
    });
  } catch (error) {
    process.stderr.write(`dockercise server: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(
    `dockercise local server on ${server.url}\n  results: ${server.url}/results/local/\n  data:    ${dataDir}\n  run a repository: dockercise trigger <dir> --server ${server.url}\n`,
  );
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('stopping: running steps get 10 s to finish\n');
  await server.close();
  return 0;
}
