import type { Plan, PlanStep, RunStatus, StepStatus } from '@dockercise/shared';

/**
 * Which steps may start, and what a step's end means for the steps after it. Pure bookkeeping:
 * no containers, no clocks, so the scheduling rules are tested on their own.
 */
export class RunGraph {
  private readonly statuses = new Map<string, StepStatus>();
  private readonly steps: PlanStep[];
  private readonly dependents = new Map<string, string[]>();
  private readonly needs = new Map<string, string[]>();
  /**
   * Steps whose filters do not match this run, and the steps that need them, each with why:
   * skipped, `filtered`.
   */
  readonly filtered = new Map<string, string>();
  /** Failed steps that may fail (`allow-failure`): what comes after them runs as if they succeeded. */
  private readonly softFailed = new Set<string>();

  constructor(
    plan: Plan,
    isApproved: (gate: string) => boolean,
    /** Statuses carried over from an earlier attempt at the same run (only `succeeded` is kept). */
    carried: ReadonlyMap<string, StepStatus> = new Map(),
    /** Orderings for this attempt only, beside the plan's own needs (see planResume). */
    extraNeeds: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
    /** Whether a step's own filters let it run in this run's context. */
    filteredBecause: (step: PlanStep) => string | undefined = () => undefined,
  ) {
    this.steps = plan.steps;
    for (const step of plan.steps) {
      this.needs.set(step.name, [...new Set([...step.needs, ...(extraNeeds.get(step.name) ?? [])])]);
      for (const need of this.needs.get(step.name) ?? [])
        this.dependents.set(need, [...(this.dependents.get(need) ?? []), step.name]);
    }
    for (const step of plan.steps) {
      const why = filteredBecause(step);
      if (why) this.filtered.set(step.name, why);
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const step of plan.steps) {
        if (this.filtered.has(step.name)) continue;
        const need = (this.needs.get(step.name) ?? []).find((n) => this.filtered.has(n));
        if (need) {
          this.filtered.set(step.name, `it needs ${need}, which its filters keep out of this run`);
          grew = true;
        }
      }
    }
    for (const step of plan.steps) {
      const earlier = carried.get(step.name);
      if (this.filtered.has(step.name)) this.statuses.set(step.name, 'skipped');
      else if (earlier === 'succeeded') this.statuses.set(step.name, 'succeeded');
      else if (step.gate !== undefined && !isApproved(step.gate))
        this.statuses.set(step.name, 'waiting-approval');
      else this.statuses.set(step.name, 'pending');
    }
  }

  status(name: string): StepStatus {
    return this.statuses.get(name) ?? 'pending';
  }

  /** Pending steps whose needs have all succeeded, in plan order. */
  ready(): PlanStep[] {
    return this.steps.filter(
      (step) =>
        this.status(step.name) === 'pending' &&
        (this.needs.get(step.name) ?? []).every(
          (n) => this.status(n) === 'succeeded' || this.softFailed.has(n),
        ),
    );
  }

  /**
   * Pending steps that will be ready once something running ends: ready ones (waiting for a slot),
   * then those whose every need has succeeded or is running. In plan order within each.
   */
  upcoming(): PlanStep[] {
    const settledOrRunning = (n: string): boolean =>
      this.status(n) === 'succeeded' || this.status(n) === 'running' || this.softFailed.has(n);
    const next = this.steps.filter(
      (step) =>
        this.status(step.name) === 'pending' &&
        (this.needs.get(step.name) ?? []).every(settledOrRunning) &&
        (this.needs.get(step.name) ?? []).some((n) => this.status(n) === 'running'),
    );
    return [...this.ready(), ...next];
  }

  start(name: string): void {
    this.statuses.set(name, 'running');
  }

  /** Records how a step ended; a step that did not succeed skips everything after it. Returns the skipped. */
  finish(name: string, status: StepStatus, allowedToFail = false): string[] {
    this.statuses.set(name, status);
    if (status === 'succeeded') return [];
    if (allowedToFail && (status === 'failed' || status === 'timed-out')) {
      this.softFailed.add(name);
      return [];
    }
    const skipped: string[] = [];
    const stack = [...(this.dependents.get(name) ?? [])];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const current = this.status(next);
      if (current !== 'pending' && current !== 'waiting-approval') continue;
      this.statuses.set(next, 'skipped');
      skipped.push(next);
      stack.push(...(this.dependents.get(next) ?? []));
    }
    return skipped;
  }

  /** Marks every step that has not started as cancelled; returns them. */
  cancelRemaining(): string[] {
    const cancelled: string[] = [];
    for (const step of this.steps) {
      const current = this.status(step.name);
      if (current === 'pending' || current === 'waiting-approval') {
        this.statuses.set(step.name, 'cancelled');
        cancelled.push(step.name);
      }
    }
    return cancelled;
  }

  /**
   * Once a run has failed, approving a gate could start nothing useful: the steps still waiting for
   * one are skipped, so no step of a finished run waits forever. Returns them.
   */
  skipWaiting(): string[] {
    const skipped: string[] = [];
    for (const step of this.steps) {
      if (this.status(step.name) !== 'waiting-approval') continue;
      this.statuses.set(step.name, 'skipped');
      skipped.push(step.name);
    }
    return skipped;
  }

  /** The run's status once nothing runs: a failure outweighs a cancel, which outweighs a gate. */
  outcome(cancelled: boolean): RunStatus {
    const all = [...this.statuses].filter(([name]) => !this.softFailed.has(name)).map(([, s]) => s);
    if (all.some((s) => s === 'failed' || s === 'timed-out')) return cancelled ? 'cancelled' : 'failed';
    if (cancelled || all.includes('cancelled')) return 'cancelled';
    if (all.some((s) => s === 'waiting-approval' || s === 'pending')) return 'waiting-approval';
    return 'succeeded';
  }
}
