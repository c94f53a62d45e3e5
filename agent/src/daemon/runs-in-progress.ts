/**
 * The runs this agent is running now, which the job handler keeps: a second delivery of one must
 * not start it twice. The agent watches it to say which runs its host is busy with.
 */
export class RunsInProgress extends Set<string> {
  private listener: (() => void) | undefined;

  onChange(listener: () => void): void {
    this.listener = listener;
  }

  override add(runId: string): this {
    super.add(runId);
    this.listener?.();
    return this;
  }

  override delete(runId: string): boolean {
    const had = super.delete(runId);
    if (had) this.listener?.();
    return had;
  }
}
