import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.js';
import { ErrorPage } from './ErrorPage.js';

describe('ErrorPage', () => {
  it.each([
    ['not-found', 'Not found', 'no such run'],
    ['not-allowed', 'Not allowed', 'sign in first'],
    ['unreachable', 'The control plane is unreachable', 'the control plane cannot be reached'],
    ['broken', 'Something went wrong', 'unexpected shape'],
  ] as const)('gives %s its own page', (kind, heading, message) => {
    const view = render(() => <ErrorPage error={new ApiError(kind, message)} what="run" />);
    expect(view.getByRole('heading', { level: 1 }).textContent).toBe(heading);
    expect(view.getByRole('alert').textContent).toContain(message);
  });

  it('says a missing run once, and links to the list it would be in', () => {
    window.history.pushState({}, '', '/results/111122223333/app/20261128T000000Z-abcdef');
    const view = render(() => <ErrorPage error={new ApiError('not-found', 'no such run')} what="run" />);
    expect(view.getByRole('alert').textContent).toContain('There is no such run. Check the address');
    expect(view.getByRole('link', { name: 'go back to the list' }).getAttribute('href')).toBe(
      '/results/111122223333/app/',
    );
  });

  it('points a person who may not see the run at sign-in, to come back to it', () => {
    window.history.pushState({}, '', '/results/111122223333/app/20261128T000000Z-abcdef');
    const view = render(() => (
      <ErrorPage error={new ApiError('not-allowed', 'sign in first', 401)} what="run" />
    ));
    expect(view.getByRole('link', { name: 'Sign in with GitHub' }).getAttribute('href')).toBe(
      `/auth/login?return=${encodeURIComponent('/results/111122223333/app/20261128T000000Z-abcdef')}`,
    );
  });
});
