/** The customer's role could not be assumed: their account is out of reach, not our fault nor theirs to fix by retrying blindly. */
export class AccountUnreachableError extends Error {
  override readonly name = 'AccountUnreachableError';
}

/** The run has nothing there yet to act on (no bucket or log group registered). */
export class RunNotStartedError extends Error {
  override readonly name = 'RunNotStartedError';
}
