import type { StepResult } from '@dockercise/shared';
import { XMLParser } from 'fast-xml-parser';

/** A step's tests, as its JUnit reports tell them: the result's own shape. */
export type TestSummary = NonNullable<StepResult['tests']>;
export type TestFailure = TestSummary['failures'][number];

/** The most of one report read: a report past it is not summarised (said in the step's log). */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;
const MAX_FAILURES = 50;
const MESSAGE_LINES = 3;

/** Not JUnit, or refused (an XML bomb's entities): said in the step's log, never the step's failure. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
}

type Node = Record<string, unknown>;
const list = (value: unknown): Node[] =>
  Array.isArray(value) ? (value as Node[]) : value && typeof value === 'object' ? [value as Node] : [];
/** An element as the parser gives it: text alone, attributes, or several of it (the first). */
const element = (value: unknown): Node => {
  const first = Array.isArray(value) ? value[0] : value;
  if (first && typeof first === 'object') return first as Node;
  return { '#text': typeof first === 'string' ? first : '' };
};
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Reads a JUnit XML report — as Maven Surefire, pytest, Jest, gotestsum and vitest write it:
 * `<testsuites>` of `<testsuite>`s (nested too) of `<testcase>`s, each failed by a `<failure>` or
 * `<error>`, or `<skipped>`. A document with a DOCTYPE is refused before it is parsed: JUnit
 * needs none, and a DOCTYPE is how an entity bomb comes in.
 */
export function readJunit(xml: string): TestSummary {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new ReportError('it declares a DOCTYPE or entities, which a JUnit report never needs: not read');
  let document: Node;
  try {
    document = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      processEntities: false,
      isArray: (name) => name === 'testsuite' || name === 'testcase',
    }).parse(xml) as Node;
  } catch (error) {
    throw new ReportError(`it is not XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const summary: TestSummary = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const suites = [...list((document.testsuites as Node | undefined)?.testsuite), ...list(document.testsuite)];
  if (suites.length === 0) throw new ReportError('it has no <testsuite>: not a JUnit report');
  const visit = (suite: Node): void => {
    for (const inner of list(suite.testsuite)) visit(inner);
    for (const test of list(suite.testcase)) {
      const failure =
        'failure' in test ? element(test.failure) : 'error' in test ? element(test.error) : undefined;
      if (failure) {
        summary.failed++;
        if (summary.failures.length < MAX_FAILURES) summary.failures.push(failureOf(suite, test, failure));
      } else if ('skipped' in test) summary.skipped++;
      else summary.passed++;
    }
  };
  for (const suite of suites) visit(suite);
  return summary;
}

function failureOf(suite: Node, test: Node, failure: Node): TestFailure {
  const said =
    text(failure.message) ?? text(failure['#text']) ?? (typeof failure === 'string' ? failure : undefined);
  const message = said?.trim().split('\n').slice(0, MESSAGE_LINES).join('\n');
  const line = Number(text(test.line));
  const file = text(test.file);
  return {
    suite: text(test.classname) ?? text(suite.name) ?? '',
    name: text(test.name) ?? '',
    ...(message ? { message } : {}),
    ...(file ? { file } : {}),
    ...(Number.isInteger(line) && line > 0 ? { line } : {}),
  };
}

/** Several reports' summaries as one. */
export function addSummaries(summaries: readonly TestSummary[]): TestSummary {
  return {
    passed: summaries.reduce((n, s) => n + s.passed, 0),
    failed: summaries.reduce((n, s) => n + s.failed, 0),
    skipped: summaries.reduce((n, s) => n + s.skipped, 0),
    failures: summaries.flatMap((s) => s.failures).slice(0, MAX_FAILURES),
  };
}

/** This attempt's tests, with those an earlier attempt saw fail and this one did not marked flaky. */
export function withFlaky(before: TestSummary | undefined, now: TestSummary): TestSummary {
  const key = (f: { suite: string; name: string }): string => `${f.suite} > ${f.name}`;
  const failing = new Set(now.failures.map(key));
  const flaky = [...new Set([...(before?.flaky ?? []), ...(before?.failures ?? []).map(key)])].filter(
    (name) => !failing.has(name),
  );
  return flaky.length > 0 ? { ...now, flaky } : now;
}
