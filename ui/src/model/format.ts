import type { GateResult, RunStatus, StepStatus } from '@dockercise/shared';

/** `1.2 s`, `3 m 05 s`, `1 h 02 m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m} m ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString();
}

export const shortCommit = (commit: string | undefined): string => (commit ? commit.slice(0, 7) : '—');

const WORDS: Record<StepStatus | RunStatus, string> = {
  pending: 'pending',
  'waiting-approval': 'waiting for approval',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  'timed-out': 'timed out',
  cancelled: 'cancelled',
};
export const statusWords = (status: StepStatus | RunStatus): string => WORDS[status];

/** A symbol beside each status, so it never rests on colour alone. */
const SYMBOLS: Record<StepStatus | RunStatus, string> = {
  pending: '○',
  'waiting-approval': '‖',
  running: '◉',
  succeeded: '✓',
  failed: '✕',
  skipped: '↷',
  'timed-out': '✕',
  cancelled: '⊘',
};
export const statusSymbol = (status: StepStatus | RunStatus): string => SYMBOLS[status];

/** What a gate's status means to a reader. */
export const GATE_WORDS: Record<GateResult['status'], string> = {
  waiting: 'waiting for a person',
  approved: 'approved',
  skipped: 'closed: the run ended before anyone approved it',
};
export const gateSymbol = (status: GateResult['status']): string =>
  status === 'approved' ? '✓' : status === 'skipped' ? '↷' : '‖';

/** A log line is `<ISO time> <out|err|-> <text>`: `-` when the stream is not known (CloudWatch). */
export interface LogLine {
  time?: string;
  stream: 'out' | 'err' | 'unknown';
  text: string;
}

export function parseLogLine(line: string): LogLine {
  const match = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (out|err|-) (.*)$/s.exec(line);
  const time = match?.[1];
  if (!match || !time) return { stream: 'unknown', text: line };
  const stream = match[2] === 'err' ? 'err' : match[2] === 'out' ? 'out' : 'unknown';
  return { time, stream, text: match[3] ?? '' };
}

type HostStateName = 'starting' | 'idle' | 'busy' | 'leaving' | 'stopped' | 'failed' | 'lost';

/** What a host's own report says, as a sentence's start: "idle since …". */
export const HOST_WORDS: Record<HostStateName, string> = {
  starting: 'starting since',
  idle: 'idle since',
  busy: 'running jobs since',
  leaving: 'stopping since',
  stopped: 'stopped since',
  failed: 'failed to start at',
  lost: 'not heard from since',
};

/** A size as people read it: 512 B, 3.4 KB, 12 MB, 1.2 GB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
