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
  return filters.every((when) => matchesWhen(when, context));
}

function matchesWhen(when: When, context: RunContext): boolean {
  if (when.event && !when.event.includes(context.event)) return false;
  if (
    when.branch &&
    !(context.branch !== undefined && when.branch.some((g) => globMatches(g, context.branch ?? '')))
  )
    return false;
  if (when.paths && context.changed !== undefined)
    return context.changed.some((file) => when.paths?.some((g) => globMatches(g, file)));
  return true;
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
