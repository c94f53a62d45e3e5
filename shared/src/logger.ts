/**
 * The slice of pino that dockercise's packages log through, so each can run with any logger (or
 * none): pino in the daemon and the control plane, sentences in the CLI, silence in tests.
 */
export interface Logger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
