import type { MiddlewareHandler } from 'hono';
import type { Env } from '../deps.js';

/**
 * What every answer says about how a browser may use it: the viewer loads only its own scripts,
 * styles and data, and no other site may frame it (clickjacking an Approve button).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Solid sets element styles from script (the graph's transforms, the log's rows).
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler<Env> {
  return async (c, next) => {
    await next();
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
  };
}
