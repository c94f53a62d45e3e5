import type { GateResult, StepResult } from '@dockercise/shared';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import type { RunRef } from '../api/client.js';
import { useApi } from '../api/context.js';
import {
  formatBytes,
  formatDuration,
  formatTime,
  gateSymbol,
  statusSymbol,
  statusWords,
} from '../model/format.js';
import { AnsiLine } from './AnsiLine.js';
import { ConfirmButton } from './ConfirmButton.js';
import { LogView } from './LogView.js';

const ACTIVE = new Set<StepResult['status']>(['running', 'pending']);

/** Everything about one step: its facts, its error, its log (followed while it runs), its output. */
export function StepPanel(props: { run: RunRef; step: StepResult }) {
  const api = useApi();
  const [output, setOutput] = createSignal<{ text?: string; error?: string }>();
  const loadOutput = async (): Promise<void> => {
    try {
      const text = await api.output(props.run, props.step.name);
      setOutput({ text: text ?? '' });
    } catch (error) {
      setOutput({ error: (error as Error).message });
    }
  };
  return (
    <section class="panel" aria-labelledby="panel-title">
      <h2 id="panel-title">
        <span
          class={`badge status-${props.step.status}`}
          classList={{ allowed: props.step.allowedFailure === true }}
        >
          {statusSymbol(props.step.status)} {statusWords(props.step.status)}
          {props.step.allowedFailure ? ' (allowed)' : ''}
        </span>{' '}
        {props.step.name}
      </h2>
      <Show when={props.step.allowedFailure}>
        <p class="muted">This step may fail: the run does not fail for it, and what needs it ran.</p>
      </Show>
      <dl class="facts">
        <Show when={props.step.image}>
          <dt>Image</dt>
          <dd>
            <code>{props.step.image}</code>
            <Show when={props.step.imageDigest}>
              <br />
              <code class="muted digest">{props.step.imageDigest}</code>
            </Show>
          </dd>
        </Show>
        <Show when={props.step.built}>
          {(built) => (
            <>
              <dt>Built</dt>
              <dd>
                <code class="digest">{built().id}</code>
                <For each={built().pushed}>
                  {(name) => (
                    <>
                      <br />
                      pushed <code class="digest">{name}</code>
                    </>
                  )}
                </For>
              </dd>
            </>
          )}
        </Show>
        <Show when={props.step.artifacts?.length}>
          <dt>Artifacts</dt>
          <dd>
            <ul class="artifacts">
              <For each={props.step.artifacts}>
                {(artifact) => (
                  <li>
                    <a href={api.artifactUrl(props.run, props.step.name, artifact.path)} download="">
                      {artifact.path}
                    </a>{' '}
                    <span class="muted">
                      {formatBytes(artifact.size)} · sha256{' '}
                      <code class="digest">{artifact.sha256.slice(0, 12)}</code>
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </dd>
        </Show>
        <dt>Exit code</dt>
        <dd>{props.step.exitCode ?? '—'}</dd>
        <Show when={props.step.phase === 'done'}>
          <dt>Phase</dt>
          <dd>
            {ACTIVE.has(props.step.status) ? 'done (confirming completion)' : 'done (its confirmation ran)'}
          </dd>
        </Show>
        <dt>Started</dt>
        <dd>{formatTime(props.step.startedAt)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(props.step.endedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(props.step.durationMs)}</dd>
      </dl>
      <Show when={props.step.tests}>
        {(tests) => (
          <section class="tests" aria-label={`Tests of ${props.step.name}`}>
            <h3>
              Tests: {tests().failed} failed, {tests().passed} passed, {tests().skipped} skipped
            </h3>
            <Show when={tests().flaky?.length}>
              <p class="muted">Flaky (failed, then passed on a retry): {tests().flaky?.join(', ')}</p>
            </Show>
            <ul>
              <For each={tests().failures}>
                {(failure) => (
                  <li class="test-failed">
                    ✘ {failure.suite ? `${failure.suite} › ` : ''}
                    <strong>{failure.name}</strong>
                    <Show when={failure.file}>
                      {' '}
                      <code>
                        {failure.file}
                        {failure.line ? `:${failure.line}` : ''}
                      </code>
                    </Show>
                    <Show when={failure.message}>
                      <pre class="test-message">{failure.message}</pre>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </section>
        )}
      </Show>
      <Show when={props.step.error}>
        <p class="step-error" role="note">
          {props.step.error}
        </p>
      </Show>
      <Show when={props.step.hostLost}>
        {(times) => (
          <p class="muted">
            The host running this step was lost {times() === 1 ? 'once' : `${times()} times`}; the step was
            run again on another.
          </p>
        )}
      </Show>
      <Show when={(props.step.attempts?.length ?? 0) > 1}>
        <h3>Attempts</h3>
        <ol class="attempts">
          <For each={props.step.attempts}>
            {(attempt) => (
              <li>
                attempt {attempt.attempt}: {statusWords(attempt.status)}
                {attempt.exitCode !== undefined && attempt.exitCode !== null
                  ? `, exit code ${attempt.exitCode}`
                  : ''}
                {attempt.error ? ` — ${attempt.error}` : ''}
              </li>
            )}
          </For>
        </ol>
      </Show>
      <Show when={(props.step.services?.length ?? 0) > 0}>
        <ServiceList run={props.run} step={props.step} />
      </Show>
      <h3>Log</h3>
      <Show
        when={props.step.status !== 'pending' && props.step.status !== 'waiting-approval'}
        fallback={<p class="muted">The step has not started.</p>}
      >
        <Show when={props.step.name} keyed>
          {(name) => <LogView run={props.run} step={name} active={() => ACTIVE.has(props.step.status)} />}
        </Show>
      </Show>
      <h3>Output</h3>
      <Show when={!props.step.secret} fallback={<p class="muted">A secret step's output is never shown.</p>}>
        <Show when={props.step.output} fallback={<p class="muted">{noOutputWhy(props.step)}</p>}>
          <Show when={props.step.outputCutAt}>
            {(bytes) => (
              <p class="muted">
                Its stdout passed the output limit and no step reads it: what is kept is its first {bytes()}{' '}
                bytes. The log has every line.
              </p>
            )}
          </Show>
          <Show
            when={output()}
            fallback={
              <button type="button" class="button quiet" onClick={() => void loadOutput()}>
                Show the output
              </button>
            }
          >
            {(loaded) => (
              <Show
                when={loaded().error === undefined}
                fallback={<p class="inline-error">{loaded().error}</p>}
              >
                <pre class="output">
                  <Show when={loaded().text} fallback="(empty)">
                    <For each={(loaded().text ?? '').replace(/\n$/, '').split('\n')}>
                      {(line) => (
                        <>
                          <AnsiLine text={line} />
                          {'\n'}
                        </>
                      )}
                    </For>
                  </Show>
                </pre>
              </Show>
            )}
          </Show>
        </Show>
      </Show>
    </section>
  );
}

/** A step's services: how long each took to be ready (or why it was not), and its log on request. */
function ServiceList(props: { run: RunRef; step: StepResult }) {
  const [shown, setShown] = createSignal<string>();
  return (
    <>
      <h3>Services</h3>
      <ul class="services">
        <For each={props.step.services}>
          {(service) => (
            <li>
              <code>{service.name}</code> <span class="muted">({service.image})</span>:{' '}
              {service.error ??
                (service.readyAfterMs !== undefined
                  ? `ready after ${formatDuration(service.readyAfterMs)}`
                  : 'starting')}{' '}
              <button
                type="button"
                class="button quiet"
                aria-expanded={shown() === service.name}
                onClick={() => setShown(shown() === service.name ? undefined : service.name)}
              >
                {shown() === service.name ? 'Hide its log' : 'Show its log'}
              </button>
            </li>
          )}
        </For>
      </ul>
      <Show when={shown()} keyed>
        {(service) => (
          <LogView
            run={props.run}
            step={`${props.step.name}.${service}`}
            active={() => ACTIVE.has(props.step.status)}
          />
        )}
      </Show>
    </>
  );
}

/** An approval gate: who approved it, or the button that does. */
export function GatePanel(props: {
  gate: GateResult;
  canApprove: boolean;
  onApprove: (gate: string) => Promise<string>;
  onDone?: (message: string) => void;
}) {
  const badge = (): string =>
    props.gate.status === 'approved'
      ? 'succeeded'
      : props.gate.status === 'skipped'
        ? 'skipped'
        : 'waiting-approval';
  return (
    <section class="panel" aria-labelledby="panel-title">
      <h2 id="panel-title">
        <span class={`badge status-${badge()}`}>
          {gateSymbol(props.gate.status)} {props.gate.status}
        </span>{' '}
        Approval gate {props.gate.name}
      </h2>
      <Switch>
        <Match when={props.gate.status === 'approved'}>
          <p>
            Approved by <strong>{props.gate.approvedBy ?? 'someone'}</strong> at{' '}
            {formatTime(props.gate.approvedAt)}.
          </p>
        </Match>
        <Match when={props.gate.status === 'skipped'}>
          <p>The run ended before anyone approved {props.gate.name}: its steps were skipped.</p>
        </Match>
        <Match when={props.gate.status === 'waiting'}>
          <p>The steps of {props.gate.name} wait for a person to approve them.</p>
          <Show when={props.canApprove}>
            <ConfirmButton
              label="Approve…"
              question={`Approve ${props.gate.name}? Its steps will run.`}
              confirmLabel="Approve and run"
              action={() => props.onApprove(props.gate.name)}
              {...(props.onDone ? { onDone: props.onDone } : {})}
            />
          </Show>
        </Match>
      </Switch>
    </section>
  );
}

/** Why a step that is not secret has no output: it has not ended well, printed nothing, or printed a secret. */
function noOutputWhy(step: StepResult): string {
  if (ACTIVE.has(step.status) || step.status === 'waiting-approval')
    return 'No output yet: the step has not ended.';
  if (step.status !== 'succeeded' && !step.allowedFailure)
    return 'No output stored: an output is kept when the step succeeds.';
  return 'No output stored: the step printed nothing on stdout, or what it printed held a secret value, which is never stored.';
}
