import { createRequire } from 'node:module';

/** From the agent's package.json, which sits two folders above this file in src/ and dist/ alike. */
export function agentVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}
