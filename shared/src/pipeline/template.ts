/**
 * Commands and env values are templates: text with `{step}` references.
 * `{{` and `}}` are literal braces; `${...}` is shell and never a reference.
 */
export type TemplatePart = string | { ref: string };
export type Template = TemplatePart[];

export const STEP_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export interface TemplateRef {
  name: string;
  /** Index of the `{` in the template text. */
  index: number;
}

export interface TemplateProblem {
  index: number;
  message: string;
  hint: string;
}

export interface ParsedTemplate {
  parts: Template;
  refs: TemplateRef[];
  problems: TemplateProblem[];
}

const ESCAPE_HINT = 'to write a literal brace, double it: {{ and }} (shell ${...} needs no escaping)';

export function parseTemplate(text: string): ParsedTemplate {
  const parts: Template = [];
  const refs: TemplateRef[] = [];
  const problems: TemplateProblem[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '$' && next === '{') {
      const end = matchingBrace(text, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      literal += text.slice(i, stop);
      i = stop;
    } else if (ch === '{' && next === '{') {
      literal += '{';
      i += 2;
    } else if (ch === '}' && next === '}') {
      literal += '}';
      i += 2;
    } else if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      const nextOpen = text.indexOf('{', i + 1);
      if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
        problems.push({ index: i, message: "'{' is not closed", hint: ESCAPE_HINT });
        literal += ch;
        i += 1;
        continue;
      }
      const name = text.slice(i + 1, close);
      if (STEP_NAME.test(name)) {
        if (literal) parts.push(literal);
        literal = '';
        parts.push({ ref: name });
        refs.push({ name, index: i });
      } else {
        const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
        problems.push({
          index: i,
          message: `{${shown}} is not a step reference`,
          hint: `a reference is {step-name}; ${ESCAPE_HINT}`,
        });
        literal += text.slice(i, close + 1);
      }
      i = close + 1;
    } else if (ch === '}') {
      problems.push({ index: i, message: "'}' without a matching '{'", hint: ESCAPE_HINT });
      literal += ch;
      i += 1;
    } else {
      literal += ch;
      i += 1;
    }
  }
  if (literal) parts.push(literal);
  return { parts, refs, problems };
}

/** Index of the `}` closing the `{` at `open`, counting nested braces; -1 when unclosed. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Renders a template, replacing each reference with what `resolve` gives for it. */
export function renderTemplate(template: Template, resolve: (step: string) => string): string {
  let out = '';
  for (const part of template) out += typeof part === 'string' ? part : resolve(part.ref);
  return out;
}

/** Writes a template back in source form, escaping literal braces. */
export function templateSource(template: Template): string {
  return template.map((part) => (typeof part === 'string' ? escapeBraces(part) : `{${part.ref}}`)).join('');
}

function escapeBraces(text: string): string {
  // `${...}` survives unescaped; every other brace is doubled.
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '$' && text[i + 1] === '{') {
      const end = matchingBrace(text, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
    } else {
      const ch = text[i] ?? '';
      out += ch === '{' || ch === '}' ? ch + ch : ch;
      i += 1;
    }
  }
  return out;
}

export function templateRefs(template: Template): string[] {
  return template.flatMap((part) => (typeof part === 'string' ? [] : [part.ref]));
}
