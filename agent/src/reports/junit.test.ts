import { describe, expect, it } from 'vitest';
import { addSummaries, readJunit } from './junit.js';

describe('JUnit reports', () => {
  it('counts passed, failed and skipped tests, the failed ones with suite, name, message and place', () => {
    const summary = readJunit(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="auth" tests="4">
    <testcase classname="auth.login" name="test_login" file="tests/test_auth.py" line="12">
      <failure message="AssertionError: 401 != 200&#10;more">Traceback …</failure>
    </testcase>
    <testcase classname="auth.login" name="test_logout"/>
    <testcase classname="auth.login" name="test_sso"><skipped/></testcase>
    <testcase name="test_token"><error>Boom
second line
third line
fourth line</error></testcase>
    <testsuite name="nested"><testcase name="inner"><failure/></testcase></testsuite>
  </testsuite>
</testsuites>`);
    expect(summary).toEqual({
      passed: 1,
      failed: 3,
      skipped: 1,
      failures: [
        { suite: 'nested', name: 'inner' },
        {
          suite: 'auth.login',
          name: 'test_login',
          message: 'AssertionError: 401 != 200&#10;more',
          file: 'tests/test_auth.py',
          line: 12,
        },
        { suite: 'auth', name: 'test_token', message: 'Boom\nsecond line\nthird line' },
      ],
    });
    expect(addSummaries([summary, summary])).toMatchObject({ passed: 2, failed: 6, skipped: 2 });
  });

  it('reads a lone testsuite, as vitest and Jest write one', () => {
    expect(readJunit('<testsuite name="s"><testcase name="a"/><testcase name="b"/></testsuite>')).toEqual({
      passed: 2,
      failed: 0,
      skipped: 0,
      failures: [],
    });
  });

  it('refuses an entity bomb before parsing it, and says what is not JUnit', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><testsuite><testcase name="&lol2;"/></testsuite>`;
    expect(() => readJunit(bomb)).toThrow(
      'it declares a DOCTYPE or entities, which a JUnit report never needs: not read',
    );
    expect(() => readJunit('<coverage line-rate="1"/>')).toThrow('it has no <testsuite>: not a JUnit report');
    expect(() => readJunit('{"not": "xml"}')).toThrow(/^it has no <testsuite>|^it is not XML/);
  });
});
