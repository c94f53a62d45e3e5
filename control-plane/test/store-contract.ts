import type { Plan } from '@dockercise/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryClaim, RunRecord, Store } from '../src/store/store.js';

/**
 * What every store must do, run against SQLite (src/store/sqlite-store.test.ts) and PostgreSQL
 * (test/pg-store.pg.test.ts) alike, so the two cannot drift.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`the ${name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const T = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();
    const plan: Plan = { version: 1, steps: [], gates: [] };
    let n = 0;
    async function owner(login = `user${++n}`) {
      return store.upsertUser({ githubId: 10_000 + ++n, login, token: `gho_${login}` });
    }
    async function account(ownerId: number, accountId = String(100_000_000_000 + ++n)) {
      await store.createAccount({ accountId, ownerId, externalId: `ext-${accountId}`, region: 'eu-west-1' });
      await store.registerAccount(
        accountId,
        {
          roleArn: `arn:aws:iam::${accountId}:role/r`,
          queueUrl: `https://sqs.eu-west-1.amazonaws.com/${accountId}/q`,
          deadLetterQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${accountId}/d`,
          bucket: 'results',
          logGroup: '/dockercise',
          hostGroup: 'dockercise-hosts-dockercise',
          maxHosts: 2,
          jobsPerHost: 1,
          region: 'eu-west-1',
        },
        T(0),
      );
      return accountId;
    }
    async function repo(ownerId: number, accountId: string, id = ++n) {
      await store.saveRepo({
        id,
        fullName: `octo/app-${id}`,
        ownerId,
        accountId,
        webhookId: 5000 + id,
        webhookSecret: 'hook-secret',
        deployKeyId: 6000 + id,
        deployPrivateKey: 'private-key',
      });
      return id;
    }
    function delivery(repoId: number, overrides: Partial<DeliveryClaim> = {}): DeliveryClaim {
      const id = `delivery-${++n}`;
      return {
        deliveryId: id,
        repoId,
        commit: 'c'.repeat(40),
        branch: 'main',
        bodySha256: `sha-${id}`,
        ...overrides,
      };
    }
    async function setting() {
      const user = await owner();
      const accountId = await account(user.id);
      const repoId = await repo(user.id, accountId);
      const run = (overrides: Partial<RunRecord> = {}): RunRecord => ({
        runId: `20261201T100000Z-${String(++n).padStart(6, '0')}`,
        repoId,
        accountId,
        pipeline: 'octo.app',
        commit: 'a'.repeat(40),
        status: 'recorded',
        plan,
        approvedGates: [],
        createdAt: T(0),
        ...overrides,
      });
      return { user, accountId, repoId, run };
    }

    it('keeps users by their GitHub id, and ends every session of one at sign-out', async () => {
      const first = await store.upsertUser({ githubId: 77, login: 'octo', token: 'gho_1' });
      const again = await store.upsertUser({ githubId: 77, login: 'octocat', token: 'gho_2' });
      expect(again).toEqual({ ...first, login: 'octocat', token: 'gho_2' });
      expect(first.sessionVersion).toBe(0);
      await store.endSessions(first.id);
      expect(await store.getUser(first.id)).toMatchObject({ sessionVersion: 1, token: 'gho_2' });
      expect(await store.getUser(987_654)).toBeUndefined();
    });

    it("keeps a claim's ExternalId while it lasts, and makes an account the claimant's once proven", async () => {
      const alice = await owner('alice');
      const bob = await owner('bob');
      const claim = {
        userId: alice.id,
        accountId: '111122223333',
        externalId: 'ext-1',
        region: 'eu-west-1',
        expiresAt: T(30),
      };
      expect(await store.claimAccount(claim, T(0))).toEqual(claim);
      // Renewed before it ran out: the same ExternalId (the stack being made trusts it).
      expect(await store.claimAccount({ ...claim, externalId: 'ext-2', expiresAt: T(40) }, T(10))).toEqual({
        ...claim,
        expiresAt: T(40),
      });
      // Renewed after: a fresh one.
      expect(
        (await store.claimAccount({ ...claim, externalId: 'ext-3', expiresAt: T(90) }, T(50))).externalId,
      ).toBe('ext-3');
      await store.claimAccount({ ...claim, userId: bob.id, externalId: 'ext-bob' }, T(0));
      expect((await store.accountsOf(bob.id)).claims.map((c) => c.externalId)).toEqual(['ext-bob']);

      const outputs = {
        roleArn: 'arn:aws:iam::111122223333:role/r',
        queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/q',
        deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/d',
        bucket: 'b',
        logGroup: '/g',
        hostGroup: 'dockercise-hosts-dockercise',
        maxHosts: 3,
        jobsPerHost: 2,
        region: 'eu-west-1',
      };
      const mine = await store.getClaim(alice.id, '111122223333');
      const registered = await store.registerAccount('111122223333', outputs, T(60), mine);
      expect(registered).toMatchObject({
        ...outputs,
        accountId: '111122223333',
        ownerId: alice.id,
        externalId: 'ext-3',
        verifiedAt: T(60),
      });
      expect(await store.getClaim(alice.id, '111122223333')).toBeUndefined();
      expect((await store.accountsOf(alice.id)).accounts.map((a) => a.accountId)).toEqual(['111122223333']);
      // Bob's claim cannot take an account Alice proved.
      const taken = await store.registerAccount(
        '111122223333',
        outputs,
        T(61),
        await store.getClaim(bob.id, '111122223333'),
      );
      expect(taken.ownerId).toBe(alice.id);
      await store.saveCapacityRequest('111122223333', 2, T(62));
      expect(await store.getAccount('111122223333')).toMatchObject({
        capacityWanted: 2,
        capacityRequestedAt: T(62),
      });
      expect(await store.getAccount('999999999999')).toBeUndefined();
    });

    it('keeps repositories with their secrets, found by id, name or hook', async () => {
      const { user, accountId } = await setting();
      const id = await repo(user.id, accountId, 4242);
      const saved = await store.getRepo(id);
      expect(saved).toEqual({
        id: 4242,
        fullName: 'octo/app-4242',
        ownerId: user.id,
        accountId,
        webhookId: 9242,
        webhookSecret: 'hook-secret',
        deployKeyId: 10242,
        deployPrivateKey: 'private-key',
      });
      expect(await store.getRepoByName('octo/app-4242')).toEqual(saved);
      expect(await store.getRepoByHookId(9242)).toEqual(saved);
      await store.saveRepo({ ...(saved as NonNullable<typeof saved>), webhookSecret: 'rotated' });
      expect((await store.getRepo(id))?.webhookSecret).toBe('rotated');
      await store.deleteRepo(id);
      expect(await store.getRepo(id)).toBeUndefined();
      expect(await store.getRepoByHookId(9242)).toBeUndefined();
    });

    it('records a delivery once: the same id, or the same body under another id, is a duplicate', async () => {
      const { repoId } = await setting();
      const push = delivery(repoId, {
        message: 'fix',
        triggeredBy: 'push by octo',
        changed: ['a.ts'],
        event: 'push',
      });
      expect(await store.claimDelivery(push, T(0))).toBe(true);
      expect(await store.claimDelivery(push, T(1))).toBe(false);
      expect(await store.claimDelivery({ ...push, deliveryId: 'replayed' }, T(1))).toBe(false);
      const fork = delivery(repoId, {
        event: 'pull_request',
        held: true,
        checkoutRef: 'refs/pull/7/head',
        defaultBranch: 'main',
        tag: 'v1.0.0',
      });
      expect(await store.claimDelivery(fork, T(0))).toBe(true);
      expect(await store.pendingBuilds(T(2))).toEqual(
        [
          { ...push, status: 'pending', attempts: 0, bodySha256: undefined },
          { ...fork, status: 'pending', attempts: 0, bodySha256: undefined },
        ].map(({ bodySha256: _, ...build }) => build),
      );
    });

    it('defers a build to its time, and finishes it', async () => {
      const { repoId } = await setting();
      const build = delivery(repoId);
      await store.claimDelivery(build, T(0));
      await store.deferBuild(build.deliveryId, T(30), 'rate limited');
      expect(await store.pendingBuilds(T(10))).toEqual([]);
      expect(await store.pendingBuilds(T(30))).toMatchObject([
        { deliveryId: build.deliveryId, attempts: 1, notBefore: T(30), error: 'rate limited' },
      ]);
      await store.finishBuild(build.deliveryId, 'failed', 'gave up');
      expect(await store.pendingBuilds(T(40))).toEqual([]);
    });

    it("gives each build to one claimant at a time, and another's once the claim runs out", async () => {
      const { repoId } = await setting();
      const builds = [delivery(repoId), delivery(repoId), delivery(repoId)];
      for (const b of builds) await store.claimDelivery(b, T(0));
      const ids = (list: Array<{ deliveryId: string }>) => list.map((b) => b.deliveryId).sort();
      // Replica a takes the oldest; b and c, claiming at the same moment, share the rest.
      expect(ids(await store.claimBuilds(T(1), { holder: 'a', until: T(5) }, 1))).toEqual(
        ids(builds.slice(0, 1)),
      );
      const [forB, forC] = await Promise.all([
        store.claimBuilds(T(1), { holder: 'b', until: T(6) }, 1),
        store.claimBuilds(T(1), { holder: 'c', until: T(6) }, 5),
      ]);
      expect([...ids(forB ?? []), ...ids(forC ?? [])].sort()).toEqual(ids(builds.slice(1)));
      expect(await store.claimBuilds(T(2), { holder: 'd', until: T(7) }, 5)).toEqual([]);
      // Its own holder may take it again (a replica that restarted its build thread).
      expect(ids(await store.claimBuilds(T(2), { holder: 'a', until: T(7) }, 5))).toEqual(
        ids(builds.slice(0, 1)),
      );
      // The holders died: after their claims, another takes them.
      expect(ids(await store.claimBuilds(T(8), { holder: 'd', until: T(12) }, 5))).toEqual(ids(builds));
      await store.finishBuild(builds[0]?.deliveryId ?? '', 'done');
      // A deferred or finished build lets go of its claim.
      await store.deferBuild(builds[1]?.deliveryId ?? '', T(9), 'rate limited');
      expect(ids(await store.claimBuilds(T(10), { holder: 'e', until: T(25) }, 5))).toEqual(
        ids(builds.slice(1, 2)),
      );
      expect(ids(await store.claimBuilds(T(20), { holder: 'f', until: T(25) }, 5))).toEqual(
        ids(builds.slice(2)),
      );
    });

    it('records a run once per delivery, and lets one sender at a time take it', async () => {
      const { repoId, run } = await setting();
      const build = delivery(repoId);
      await store.claimDelivery(build, T(0));
      const first = await store.recordRun(
        run({
          deliveryId: build.deliveryId,
          branch: 'main',
          message: 'm',
          event: 'push',
          checkoutRef: 'refs/heads/main',
          defaultBranch: 'trunk',
          tag: 'v2.0.0',
        }),
      );
      const again = await store.recordRun(run({ deliveryId: build.deliveryId }));
      expect(again).toEqual(first);
      expect(await store.getRun(first.runId)).toEqual(first);
      const results = await Promise.all([
        store.claimRunSend(first.runId, T(1), { holder: 'a', until: T(2) }),
        store.claimRunSend(first.runId, T(1), { holder: 'b', until: T(2) }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claimRunSend(first.runId, T(3), { holder: 'c', until: T(4) })).toBe(true);
      await store.markRunSent(first.runId, T(3));
      expect(await store.getRun(first.runId)).toMatchObject({ status: 'sent', sentAt: T(3) });
      expect(await store.claimRunSend(first.runId, T(9), { holder: 'd', until: T(10) })).toBe(false);
      await store.requeueRun(first.runId);
      expect(await store.claimRunSend(first.runId, T(9), { holder: 'd', until: T(10) })).toBe(true);
    });

    it('lists unsent runs but never a held one, and releases a held run once', async () => {
      const { run } = await setting();
      const open = await store.recordRun(run());
      const held = await store.recordRun(run({ held: true, event: 'pull_request' }));
      expect((await store.unsentRuns(T(5))).map((r) => r.runId)).toEqual([open.runId]);
      expect((await store.releaseRun(held.runId))?.held).toBeUndefined();
      expect(await store.releaseRun(held.runId)).toBeUndefined();
      expect((await store.unsentRuns(T(5))).map((r) => r.runId).sort()).toEqual(
        [open.runId, held.runId].sort(),
      );
    });

    it('records approvals with who gave them, and sends the run on', async () => {
      const { user, run } = await setting();
      const waiting = await store.recordRun(run({ status: 'sent', approvedGates: [] }));
      const approved = await store.approveGate({
        runId: waiting.runId,
        gate: 'deploy',
        userId: user.id,
        approvedAt: T(5),
      });
      expect(approved).toMatchObject({ status: 'recorded', approvedGates: ['deploy'] });
      await store.approveGate({ runId: waiting.runId, gate: 'deploy', userId: user.id, approvedAt: T(6) });
      const both = await store.approveGate({
        runId: waiting.runId,
        gate: 'audit',
        userId: user.id,
        approvedAt: T(7),
      });
      expect(both.approvedGates).toEqual(['audit', 'deploy']);
      expect(await store.approvals(waiting.runId)).toEqual([
        { runId: waiting.runId, gate: 'deploy', userId: user.id, login: user.login, approvedAt: T(5) },
        { runId: waiting.runId, gate: 'audit', userId: user.id, login: user.login, approvedAt: T(7) },
      ]);
    });

    it("keeps a run's summary and reported status, and what needs a host or a report", async () => {
      const { accountId, run } = await setting();
      const a = await store.recordRun(run());
      const b = await store.recordRun(run({ createdAt: T(1) }));
      const c = await store.recordRun(run({ createdAt: T(2) }));
      expect(await store.activeRunCount(accountId)).toBe(3);
      for (const r of [a, b, c]) await store.markRunSent(r.runId, T(3));
      expect((await store.strandedRuns(T(4), T(0))).map((r) => r.runId)).toEqual([a.runId, b.runId, c.runId]);
      // Sent before the lower bound: not stranded (lost, see stranded-runs.ts).
      expect(await store.strandedRuns(T(4), new Date(Date.parse(T(3)) + 30_000).toISOString())).toEqual([]);
      await store.saveRunSummary(a.runId, {
        status: 'succeeded',
        startedAt: T(3),
        endedAt: T(4),
        durationMs: 60_000,
      });
      await store.saveRunSummary(b.runId, { status: 'waiting-approval', startedAt: T(3) });
      await store.saveRunSummary(c.runId, { status: 'running', startedAt: T(3) });
      expect(await store.activeRunCount(accountId)).toBe(1);
      expect(await store.strandedRuns(T(4), T(0))).toEqual([]);
      expect((await store.getRun(a.runId))?.summary).toEqual({
        status: 'succeeded',
        startedAt: T(3),
        endedAt: T(4),
        durationMs: 60_000,
      });
      await store.saveReportedStatus(a.runId, { state: 'success', description: '1 step passed' });
      await store.saveReportedStatus(b.runId, {
        state: 'pending',
        description: 'waiting for approval: deploy',
      });
      expect((await store.runsToReport(T(0))).map((r) => r.runId)).toEqual([b.runId, c.runId]);
      const rerun = await store.requestRerun(a.runId, { attempt: 2, scope: 'failed' });
      expect(rerun).toMatchObject({ status: 'recorded', rerun: { attempt: 2, scope: 'failed' } });
      expect(rerun.summary).toBeUndefined();
      expect((await store.runsToReport(T(0))).map((r) => r.runId)).toEqual([a.runId, b.runId, c.runId]);
      expect(await store.activeRunCount(accountId)).toBe(2);
    });

    it("lists an account's runs and pipelines, newest first", async () => {
      const { accountId, run } = await setting();
      const old = await store.recordRun(run({ pipeline: 'octo.old', createdAt: T(1) }));
      const newer = await store.recordRun(run({ createdAt: T(2) }));
      const { plan: _none, ...invalid } = run({ createdAt: T(3), status: 'invalid', errors: ['a:1:1: bad'] });
      const newest = await store.recordRun(invalid);
      expect((await store.recentRuns(accountId, 2)).map((r) => r.runId)).toEqual([newest.runId, newer.runId]);
      expect((await store.listRuns(accountId, 'octo.app', 10)).map((r) => r.runId)).toEqual([
        newest.runId,
        newer.runId,
      ]);
      expect((await store.getRun(newest.runId))?.errors).toEqual(['a:1:1: bad']);
      expect(await store.listPipelines(accountId)).toEqual([
        { pipeline: 'octo.app', lastRunAt: T(3) },
        { pipeline: 'octo.old', lastRunAt: old.createdAt },
      ]);
    });

    it('gives a named lease to one holder at a time, renewable by it, and to another once it runs out', async () => {
      const results = await Promise.all([
        store.holdLease('reconciler', T(0), { holder: 'a', until: T(1) }),
        store.holdLease('reconciler', T(0), { holder: 'b', until: T(1) }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'a' : 'b';
      const loser = winner === 'a' ? 'b' : 'a';
      expect(await store.holdLease('reconciler', T(0), { holder: winner, until: T(2) })).toBe(true);
      expect(await store.holdLease('reconciler', T(1), { holder: loser, until: T(3) })).toBe(false);
      expect(await store.holdLease('reconciler', T(3), { holder: loser, until: T(4) })).toBe(true);
      expect(await store.holdLease('status-reporter', T(3), { holder: winner, until: T(4) })).toBe(true);
    });
  });
}
