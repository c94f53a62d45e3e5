import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const TEMPLATE_PATH = fileURLToPath(new URL('../dockercise.yaml', import.meta.url));

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface Template {
  Parameters: Record<string, { Type: string; Default?: unknown }>;
  Rules?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
  Outputs: Record<string, { Value: unknown }>;
}

/** The template uses the long form of intrinsic functions (`Fn::Sub:`), so plain YAML reads it. */
export function loadTemplate(): Template {
  return parse(readFileSync(TEMPLATE_PATH, 'utf8')) as Template;
}

export const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Does a policy value name one of the stack's own resources (Ref, GetAtt, or ${X} in a Sub)? */
export function namesStackResource(value: unknown, logicalIds: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return false;
  if (!value || typeof value !== 'object') return false;
  const object = value as Record<string, unknown>;
  // The stack itself is its own too (the control plane reads its outputs).
  if (typeof object.Ref === 'string') return object.Ref === 'AWS::StackId' || logicalIds.has(object.Ref);
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return logicalIds.has(String(getAtt[0]));
  const sub = object['Fn::Sub'];
  if (typeof sub === 'string') {
    return [...sub.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)].some((m) => logicalIds.has(m[1] ?? ''));
  }
  return false;
}

/** The launch template's UserData, as written (before Fn::Sub). */
export function userData(template: Template): string {
  const data = template.Resources.AgentLaunchTemplate?.Properties.LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Sub': string } };
  };
  return data.UserData['Fn::Base64']['Fn::Sub'];
}

/** The boot script that UserData writes to /usr/local/sbin/dockercise-boot. */
export function bootScript(template: Template): string {
  const [, rest = ''] = userData(template).split("<<'BOOT'\n");
  // As Fn::Sub leaves it: `${!x}` is a literal `${x}`.
  return `${rest.split('\nBOOT\n')[0] ?? ''}\n`.replaceAll('${!', '${');
}

/** Where a parameter is used: the logical ids of the resources (and `Outputs.X`) that reference it. */
export function referencesTo(template: Template, name: string): string[] {
  const uses = (value: unknown): boolean => {
    if (typeof value === 'string') return false;
    if (Array.isArray(value)) return value.some(uses);
    if (!value || typeof value !== 'object') return false;
    const object = value as Record<string, unknown>;
    if (object.Ref === name) return true;
    const sub = object['Fn::Sub'];
    if (typeof sub === 'string' && sub.includes(`\${${name}}`)) return true;
    return Object.values(object).some(uses);
  };
  return [
    ...Object.entries(template.Resources)
      .filter(([, r]) => uses(r))
      .map(([id]) => id),
    ...Object.entries(template.Outputs)
      .filter(([, o]) => uses(o))
      .map(([id]) => `Outputs.${id}`),
  ];
}
