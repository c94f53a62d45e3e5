/** How the control plane asks for a run to stop; polled while the run goes on. */
export interface CancelRequests {
  requested(runPrefix: string): Promise<boolean>;
}
