import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { tick } from '../test-support.js';
import { ConfirmButton } from './ConfirmButton.js';

describe('ConfirmButton', () => {
  it('asks first, and acts only on the second, deliberate click', async () => {
    let calls = 0;
    const view = render(() => (
      <ConfirmButton
        label="Cancel run…"
        question="Cancel run 42?"
        confirmLabel="Cancel the run"
        action={async () => {
          calls += 1;
          return 'Cancel requested.';
        }}
      />
    ));
    fireEvent.click(view.getByRole('button', { name: 'Cancel run…' }));
    const dialog = view.getByRole('dialog', { name: 'Cancel run 42?' });
    expect(calls).toBe(0);
    fireEvent.click(view.getByRole('button', { name: 'Cancel the run' }));
    await tick();
    expect(calls).toBe(1);
    expect(dialog.isConnected).toBe(false);
    expect(view.getByRole('status').textContent).toBe('Cancel requested.');
  });

  it('closes on Escape without acting, and gives focus back to its button', async () => {
    let calls = 0;
    const view = render(() => (
      <ConfirmButton
        label="Approve…"
        question="Approve?"
        confirmLabel="Approve"
        action={async () => `${++calls}`}
      />
    ));
    const opener = view.getByRole('button', { name: 'Approve…' });
    fireEvent.click(opener);
    await tick();
    expect(document.activeElement?.textContent).toBe('Approve');
    fireEvent.keyDown(view.getByRole('dialog'), { key: 'Escape' });
    expect(view.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
    expect(calls).toBe(0);
  });

  it('shows why an action failed, inside the dialog, and lets the person try again', async () => {
    let attempt = 0;
    const view = render(() => (
      <ConfirmButton
        label="Approve…"
        question="Approve?"
        confirmLabel="Approve"
        action={async () => {
          attempt += 1;
          if (attempt === 1) throw new Error('deploy.dockercise.yaml is already approved');
          return 'approved';
        }}
      />
    ));
    fireEvent.click(view.getByRole('button', { name: 'Approve…' }));
    fireEvent.click(view.getByRole('button', { name: 'Approve' }));
    await tick();
    expect(view.getByRole('alert').textContent).toBe('deploy.dockercise.yaml is already approved');
    fireEvent.click(view.getByRole('button', { name: 'Approve' }));
    await tick();
    expect(view.queryByRole('dialog')).toBeNull();
    expect(view.getByRole('status').textContent).toBe('approved');
  });
});
