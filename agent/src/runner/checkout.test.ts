import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkoutEnv, checkoutMounts, GITHUB_KNOWN_HOSTS } from './checkout.js';
import { OutputFiles } from './output-files.js';

const deployKey = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----';

describe('the checkout a job carries', () => {
  it("trusts github.com's published host key unless the job names another host's", async () => {
    const files = new OutputFiles('checkout-test');
    try {
      const github = await checkoutMounts(
        { url: 'git@github.com:me/app.git', commit: 'c0', deployKey },
        files,
      );
      const knownHosts = github.find((f) => f.target.endsWith('/known_hosts'))?.source ?? '';
      expect(await readFile(knownHosts, 'utf8')).toBe(GITHUB_KNOWN_HOSTS);

      const ghe = 'ghe.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhlbG8';
      const enterprise = await checkoutMounts(
        { url: 'git@ghe.example.com:me/app.git', commit: 'c0', deployKey, knownHosts: ghe },
        files,
      );
      const path = enterprise.find((f) => f.target.endsWith('/known_hosts'))?.source ?? '';
      expect(await readFile(path, 'utf8')).toBe(`${ghe}\n`);
      const key = enterprise.find((f) => f.target.endsWith('/deploy_key'))?.source ?? '';
      expect(await readFile(key, 'utf8')).toBe(`${deployKey}\n`);
    } finally {
      await files.removeAll();
    }
  });

  it("names the ref to fetch for a fork's pull request, and only then", () => {
    const base = { url: 'git@github.com:me/app.git', commit: 'c0ffee', deployKey };
    expect(checkoutEnv(base).DOCKERCISE_REF).toBeUndefined();
    expect(checkoutEnv({ ...base, ref: 'refs/pull/7/head' })).toMatchObject({
      DOCKERCISE_REPO: 'git@github.com:me/app.git',
      DOCKERCISE_COMMIT: 'c0ffee',
      DOCKERCISE_REF: 'refs/pull/7/head',
    });
  });
});
