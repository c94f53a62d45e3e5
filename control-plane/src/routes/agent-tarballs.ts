import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { CloudDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';

/**
 *   GET /agent/dockercise-agent-<version>.tgz   the agent's tarball, for the hosts' boot script
 *
 * Only names of that form, from the configured folder (see the README's "How the agent reaches
 * the host"); the stack checks the file's sha256 before it unpacks it.
 */
export function agentTarballRoutes(deps: CloudDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.get('/:file', (c) => {
    const file = c.req.param('file');
    const dir = deps.config.agentDir;
    if (!dir || !/^dockercise-agent-\d+\.\d+\.\d+\.tgz$/.test(file) || !existsSync(join(dir, file)))
      throw new HttpError(404, 'no such agent version');
    return c.body(readFileSync(join(dir, file)), 200, { 'content-type': 'application/gzip' });
  });
  return app;
}
