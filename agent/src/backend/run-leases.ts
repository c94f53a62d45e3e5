/**
 * Who runs a run now. SQS's visibility timeout alone cannot promise that a run never runs on two
 * hosts at once: an agent whose lease extensions stop reaching SQS (while it still runs) sees its
 * message delivered to another. A lease beside the run's results, taken and renewed with
 * conditional writes, can: the second agent finds it held and hands the message back.
 */
export interface RunLeases {
  /** Takes the run's lease for `ttlMs` (again, if it is this holder's or has run out). */
  acquire(runPrefix: string, holder: string, ttlMs: number): Promise<RunLease | LeaseHeld>;
}

export interface LeaseHeld {
  heldBy: string;
  /** How long until it runs out, unless renewed. */
  forMs: number;
}

export interface RunLease {
  /** Extends it by its ttl; false when it was lost (it ran out and someone else took it). */
  renew(): Promise<boolean>;
  /** Lets it go (it runs out now), unless it was lost. */
  release(): Promise<void>;
}

export const isHeld = (lease: RunLease | LeaseHeld): lease is LeaseHeld => 'heldBy' in lease;
