import type { RunEvent, When } from './step-options.js';

/** What a run is for, as its filters see it. */
export interface RunContext {
  branch?: string;
  event: RunEvent;
  /** The files the push or pull request changed; unknown (undefined) lets every paths filter match. */
  changed?: readonly string[];
}

/** Whether every filter of a step (its file's, then its own) lets it run in this context. */
export function matchesFilters(filters: readonly When[], context: RunContext): boolean {
  return filterMismatch(filters, context) === undefined;
}

/** Which filter keeps a step out of this run, in words; undefined when every one matches. */
export function filterMismatch(filters: readonly When[], context: RunContext): string | undefined {
  for (const when of filters) {
    const why = whenMismatch(when, context);
    if (why) return why;
  }
  return undefined;
}

function whenMismatch(when: When, context: RunContext): string | undefined {
  if (when.event && !when.event.includes(context.event))
    return `when.event: ${context.event} is not one of ${when.event.join(', ')}`;
  if (when.branch && context.branch === undefined)
    return `when.branch: the run is of no branch, and the filter asks for ${when.branch.join(', ')}`;
  if (when.branch && !when.branch.some((g) => globMatches(g, context.branch ?? '')))
    return `when.branch: ${context.branch} matches none of ${when.branch.join(', ')}`;
  if (
    when.paths &&
    context.changed !== undefined &&
    !context.changed.some((file) => when.paths?.some((g) => globMatches(g, file)))
  )
    return `when.paths: none of the ${context.changed.length} changed files matches ${when.paths.join(', ')}`;
  return undefined;
}

/** `*` any characters but `/`, `**` any characters, `?` one character but `/`; the rest literal. */
export function globMatches(glob: string, text: string): boolean {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches nothing, so `src/**/x` matches `src/x`.
      const slash = glob[i + 2] === '/';
      pattern += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') pattern += '[^/]*';
    else if (c === '?') pattern += '[^/]';
    else pattern += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`).test(text);
}
