/** The levels every dockercise command takes: apart from the loggers, so a command line names them without loading one. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogFormat = 'text' | 'json';
