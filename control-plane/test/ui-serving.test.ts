import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlPlane } from './harness.js';

/** A stand-in for the viewer's Vite build: an index.html and a hashed asset. */
function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ui-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><div id="app"></div><script src="/results/assets/index-abc123.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("viewer")');
  writeFileSync(join(dir, '..', 'outside-the-build.txt'), 'secret');
  return dir;
}

describe('serving the results viewer under /results/*', () => {
  const dir = build();
  const { app, store } = controlPlane(undefined, { uiDir: dir });

  it("loads the app for the seed's URL shape, /results/<account>/<pipeline>/<run>", async () => {
    for (const path of [
      '/results/123456789012/app/20261126T204100Z-3f9a1c',
      '/results/123456789012/app',
      '/results/',
    ]) {
      const response = await app.request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<div id="app">');
    }
  });

  it('serves the build files themselves, hashed assets cached for good', async () => {
    const asset = await app.request('/results/assets/index-abc123.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log("viewer")');
  });

  it('never serves a file outside the build', async () => {
    for (const path of [
      '/results/../outside-the-build.txt',
      '/results/%2e%2e/outside-the-build.txt',
      '/results/..%2foutside-the-build.txt',
    ]) {
      const response = await app.request(path);
      expect(await response.text()).not.toContain('secret');
    }
  });

  it('says so when no viewer is installed', async () => {
    const bare = controlPlane();
    const response = await bare.app.request('/results/123456789012/app');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'the results viewer is not installed' });
    bare.store.close();
    store.close();
  });
});

describe('serving the agent tarball to the hosts', () => {
  it('serves dockercise-agent-<version>.tgz from its folder, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-dist-'));
    writeFileSync(join(dir, 'dockercise-agent-0.1.0.tgz'), 'tarball bytes');
    writeFileSync(join(dir, 'notes.txt'), 'not served');
    const { app } = controlPlane(undefined, { agentDir: dir });
    const served = await app.request('/agent/dockercise-agent-0.1.0.tgz');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/gzip');
    expect(await served.text()).toBe('tarball bytes');
    for (const path of ['/agent/dockercise-agent-0.2.0.tgz', '/agent/notes.txt', '/agent/..%2fnotes.txt'])
      expect((await app.request(path)).status, path).toBe(404);
  });
});
