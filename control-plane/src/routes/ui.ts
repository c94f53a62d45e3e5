import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { Hono } from 'hono';
import type { AppDeps, Env } from '../deps.js';
import { HttpError } from '../http-error.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The results viewer's build under `/results/*` (the seed's URL shape): a file of the build when the
 * path names one, else its index.html, so `/results/<account>/<pipeline>/<run>` loads the app and
 * the app routes from there. Nothing outside the build folder is ever served.
 */
export function uiRoutes(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.get('/*', (c) => {
    const dir = deps.config.uiDir;
    if (!dir || !existsSync(resolve(dir, 'index.html')))
      throw new HttpError(404, 'the results viewer is not installed');
    const root = resolve(dir);
    const wanted = resolve(root, `.${safeDecode(c.req.path.replace(/^\/results/, ''))}`);
    const isFile = wanted.startsWith(root + sep) && existsSync(wanted) && statSync(wanted).isFile();
    const file = isFile ? wanted : resolve(root, 'index.html');
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    // Hashed assets never change; index.html must always be fresh.
    const cache =
      isFile && file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers = { 'content-type': type, 'cache-control': cache };
    return c.body(readFileSync(file), 200, headers);
  });
  return app;
}

/** A malformed escape (`%zz`) names no file: it gets the app's page, not an error. */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return '/';
  }
}
