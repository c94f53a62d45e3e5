import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { App } from '../App.js';
import { formatTime } from '../model/format.js';
import { apiAnswering, tick } from '../test-support.js';

function open(path: string, answer: Parameters<typeof apiAnswering>[0]) {
  window.history.pushState({}, '', path);
  const { api, requests } = apiAnswering(answer);
  return { view: render(() => <App api={api} />), requests };
}

describe('the hosted pages', () => {
  it('offers a signed-out visitor to sign in with GitHub', async () => {
    const { view } = open('/results/', (path) =>
      path === '/auth/me' ? { status: 401, body: { error: 'sign in' } } : undefined,
    );
    await tick(30);
    expect(view.getByRole('link', { name: 'Sign in with GitHub' }).getAttribute('href')).toBe('/auth/login');
    view.unmount();
  });

  it("lists a signed-in user's accounts, connected or not", async () => {
    const { view } = open('/results/', (path) => {
      if (path === '/auth/me') return { body: { login: 'octo' } };
      if (path === '/accounts')
        return {
          body: {
            accounts: [
              { accountId: '111122223333', region: 'eu-west-1', connected: true },
              { accountId: '444455556666', region: 'us-east-1', connected: false },
            ],
          },
        };
      return undefined;
    });
    await tick(30);
    expect(view.getByRole('heading', { name: 'Signed in as octo' })).toBeTruthy();
    expect(view.getByRole('link', { name: '111122223333' }).getAttribute('href')).toBe(
      '/results/accounts/111122223333',
    );
    expect(view.getByText('us-east-1, being connected')).toBeTruthy();
    expect(view.getByRole('link', { name: 'Connect an AWS account' })).toBeTruthy();
    view.unmount();
  });

  it('connects an account: launch link, then the stages as the control plane finds the stack', async () => {
    let looks = 0;
    const { view, requests } = open('/results/connect', (path, init) => {
      if (path === '/accounts' && init?.method === 'POST')
        return {
          status: 201,
          body: {
            accountId: '111122223333',
            launchUrl:
              'https://us-east-1.console.aws.amazon.com/cloudformation/home#/stacks/create/review?x=1',
            claimExpiresAt: '2026-11-29T00:00:00.000Z',
          },
        };
      if (path === '/accounts/111122223333/discover') {
        looks++;
        return {
          body:
            looks === 1
              ? { stage: 'role-assumed', detail: 'the stack is CREATE_IN_PROGRESS' }
              : { stage: 'connected' },
        };
      }
      return undefined;
    });
    fireEvent.input(view.getByLabelText('AWS account id'), { target: { value: '111122223333' } });
    fireEvent.submit(view.getByRole('button', { name: 'Continue' }));
    await tick(30);
    expect(requests).toContain('POST /accounts');
    expect(view.getByRole('link', { name: 'Launch Stack' }).getAttribute('href')).toMatch(
      /^https:\/\/us-east-1\.console\.aws\.amazon\.com\//,
    );
    expect(view.getByText('the stack is CREATE_IN_PROGRESS')).toBeTruthy();
    expect(view.getByText(/Role assumed/).textContent).toMatch(/^✓/);
    view.unmount();
  });
});

describe('the repositories page', () => {
  const repos = Array.from({ length: 35 }, (_, i) => ({
    id: i,
    fullName: `octo/repo-${String(i).padStart(2, '0')}`,
    private: false,
    connected: i === 1,
    ...(i === 1 ? { accountId: '111122223333' } : {}),
    admin: i !== 2,
  }));
  const answer =
    (failConnect = false) =>
    (path: string, init?: RequestInit) => {
      if (path === '/repos') return { body: { repos } };
      if (path === '/accounts')
        return { body: { accounts: [{ accountId: '111122223333', region: 'eu-west-1', connected: true }] } };
      if (path === '/repos/octo/repo-02/connect' && init?.method === 'POST')
        return failConnect
          ? {
              status: 404,
              body: {
                error: 'not found on GitHub (POST /repos/octo/repo-02/hooks), or not visible to this token',
              },
            }
          : { status: 201, body: {} };
      if (path === '/repos/octo/repo-01' && init?.method === 'DELETE') return { status: 204, body: '' };
      return undefined;
    };

  it('pages and searches, connects to the chosen account, and disconnects', async () => {
    const { view, requests } = open('/results/repos', answer());
    await tick(30);
    expect(view.getByText('page 1 of 2')).toBeTruthy();
    fireEvent.input(view.getByLabelText('Search'), { target: { value: 'repo-0' } });
    await tick(10);
    expect(view.queryByText('octo/repo-15')).toBeNull();
    expect(view.getByText('builds in 111122223333')).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Connect octo/repo-02' }));
    await tick(30);
    expect(requests).toContain('POST /repos/octo/repo-02/connect');
    expect(view.getByText('octo/repo-02 connected: pushes build now.')).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Disconnect octo/repo-01' }));
    await tick(30);
    expect(requests).toContain('DELETE /repos/octo/repo-01');
    view.unmount();
  });

  it("shows GitHub's refusal plainly", async () => {
    const { view } = open('/results/repos', answer(true));
    await tick(30);
    fireEvent.click(view.getByRole('button', { name: 'Connect octo/repo-02' }));
    await tick(30);
    expect(view.getByRole('status').textContent).toContain(
      'not found on GitHub (POST /repos/octo/repo-02/hooks)',
    );
    expect(view.getAllByText('(needs admin rights on the repository)')).toHaveLength(1);
    view.unmount();
  });
});

describe('the account page', () => {
  it('shows the hosts, the queue, whether the stack is current (and how to update it), and the last runs', async () => {
    const { view } = open('/results/accounts/111122223333', (path) =>
      path === '/accounts/111122223333/overview'
        ? {
            body: {
              accountId: '111122223333',
              region: 'eu-west-1',
              queue: { waiting: 2, running: 1 },
              stack: {
                agentVersion: '0.1.0',
                newest: '0.2.0',
                behind: true,
                updateUrl:
                  'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/update/template?stackId=s',
                updateCommand: 'aws cloudformation update-stack --stack-name dockercise',
                updateParameters: { AgentVersion: '0.2.0', AgentTarballSha256: 'b'.repeat(64) },
              },
              capacity: { wanted: 2, requestedAt: '2026-11-28T00:00:00.000Z' },
              hosts: [
                {
                  instanceId: 'i-0aaa',
                  state: 'busy',
                  since: '2026-11-28T00:00:00.000Z',
                  updatedAt: '2026-11-28T00:01:00.000Z',
                  agentVersion: '0.1.0',
                  runs: ['20261128T000000Z-abcdef'],
                },
                {
                  instanceId: 'i-0bbb',
                  state: 'lost',
                  since: '2026-11-27T00:00:00.000Z',
                  updatedAt: '2026-11-27T01:00:00.000Z',
                  agentVersion: '0.1.0',
                  runs: [],
                },
              ],
              runs: [
                {
                  pipeline: 'octo.app',
                  runId: '20261128T000000Z-abcdef',
                  commit: 'c'.repeat(40),
                  status: 'failed',
                  createdAt: '2026-11-28T00:00:00.000Z',
                },
              ],
            },
          }
        : undefined,
    );
    await tick(30);
    expect(view.getByText('2 waiting, 1 being run')).toBeTruthy();
    expect(view.getByText(/^2 hosts asked for at/)).toBeTruthy();
    expect(view.getByText(/0\.2\.0 is out:/)).toBeTruthy();
    expect(view.getByRole('link', { name: 'update the stack' }).getAttribute('href')).toContain(
      '#/stacks/update/template?stackId=s',
    );
    expect(view.getByText('aws cloudformation update-stack --stack-name dockercise')).toBeTruthy();
    // The console's page keeps the old values: the new ones stand beside its link.
    const values = view.container.querySelector('.update-values');
    expect([...(values?.querySelectorAll('dt') ?? [])].map((dt) => dt.textContent)).toEqual([
      'AgentVersion',
      'AgentTarballSha256',
    ]);
    expect(values?.textContent).toContain('b'.repeat(64));
    const hosts = view.getAllByRole('listitem').filter((li) => li.textContent?.startsWith('i-0'));
    expect(hosts.map((li) => li.textContent)).toEqual([
      `i-0aaa running jobs since ${formatTime('2026-11-28T00:00:00.000Z')} (20261128T000000Z-abcdef) agent 0.1.0`,
      `i-0bbb not heard from since ${formatTime('2026-11-27T01:00:00.000Z')} agent 0.1.0`,
    ]);
    expect(view.getByRole('link', { name: 'octo.app 20261128T000000Z-abcdef' }).getAttribute('href')).toBe(
      '/results/111122223333/octo.app/20261128T000000Z-abcdef',
    );
    view.unmount();
  });
});
