import { createLogger } from '@dockercise/agent/local';
import { type LocalServer, startLocalServer } from '@dockercise/control-plane/local';
import { DEFAULT_DATA_DIR, type ServerCliOptions } from './options.js';

/** `dockercise server --local`: the control plane with an in-process agent on this machine. */
export async function serverCommand(options: ServerCliOptions): Promise<number> {
  if (!options.local) {
    process.stderr.write(
      'dockercise server: only --local is served from this command; the hosted control plane runs with `node control-plane/dist/index.js` (see the README)\n',
    );
    return 64;
  }
  const logger = createLogger(options.logLevel, options.logFormat);
  const dataDir = options.data ?? DEFAULT_DATA_DIR;
  let server: LocalServer;
  try {
    server = await startLocalServer({
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
    `dockercise local server on ${server.url}\n  results: ${server.url}/results/local/\n  sign in to approve, cancel and re-run (open once, within 10 minutes): ${server.signInUrl()}\n  data:    ${dataDir}\n  run a repository: dockercise trigger <dir> --server ${server.url}\n`,
  );
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('stopping: running steps get 10 s to finish\n');
  await server.close();
  return 0;
}
