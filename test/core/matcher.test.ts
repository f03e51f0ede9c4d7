import fc from 'fast-check';
import { Matcher } from '../../src/core/matcher';

const ALLOWED = 'allowed: a matcher label<op>"value" with a label name [a-zA-Z_][a-zA-Z0-9_]*, op one of = != =~ !~, and a valid RE2 regular expression (Go syntax, as Alertmanager reads it) for =~ and !~';

describe('Matcher (Alertmanager semantics)', () => {
  test('equality, inequality and anchored regular expressions', () => {
    const labels = { severity: 'critical', team: 'db' };
    expect(Matcher.parse('severity="critical"').matches(labels)).toBe(true);
    expect(Matcher.parse('severity!="critical"').matches(labels)).toBe(false);
    expect(Matcher.parse('severity=~"crit"').matches(labels)).toBe(false);
    expect(Matcher.parse('severity=~"crit.*|warning"').matches(labels)).toBe(true);
    expect(Matcher.parse('team!~"d."').matches(labels)).toBe(false);
  });

  test('a missing label matches as the empty string', () => {
    expect(Matcher.parse('missing=""').matches({})).toBe(true);
    expect(Matcher.parse('missing=~".*"').matches({})).toBe(true);
    expect(Matcher.parse('missing!=""').matches({})).toBe(false);
  });

  test('unquoted values and escapes', () => {
    expect(Matcher.parse('alertname=HighLatency')).toEqual(Matcher.eq('alertname', 'HighLatency'));
    expect(Matcher.parse('msg="a \\"quoted\\" \\\\ word\\n"').value).toBe('a "quoted" \\ word\n');
  });

  test.each([
    ['severity', ''],
    ['severity="critical', ' (unterminated quoted value)'],
    ['a="\\x"', " (unknown escape '\\x')"],
    ['a=b c', ' (an unquoted value must not contain quotes, spaces, commas or braces)'],
    ['a="b"c"', ' (unescaped quote inside the value)'],
  ])('fails to parse %s', (text, detail) => {
    expect(() => Matcher.parse(text, 'policy', 'rules[0].match[0]')).toThrow(`policy: rules[0].match[0]: got ${JSON.stringify(text)}${detail}; ${ALLOWED}`);
  });

  test('fails an invalid regular expression', () => {
    expect(() => Matcher.parse('severity=~"("', 'x', 'm')).toThrow(/^x: m: got "severity=~\\"\(\\"" \(invalid regular expression: .*\); allowed: a matcher/);
  });

  test('renders and parses back any value (property)', () => {
    fc.assert(fc.property(fc.constantFrom('=', '!=') as fc.Arbitrary<'=' | '!='>, fc.string(), (op, value) => {
      const m = Matcher.of('label_1', op, value);
      expect(Matcher.parse(m.toString())).toEqual(m);
    }));
  });
});

describe('Matcher regular expressions, as Alertmanager (Go RE2) reads them', () => {
  test('accepts RE2 flags such as (?i)', () => {
    const m = Matcher.parse('team=~"(?i)db"', 'x', 'm');
    expect([m.matches({ team: 'DB' }), m.matches({ team: 'db' }), m.matches({ team: 'xdb' })]).toEqual([true, true, false]);
  });

  test.each([['team=~"(?=db).*"', '(?='], ['team!~"(a)\\\\1"', '\\1'], ['team=~"(?<!a)b"', '(?<']])('fails %s, which RE2 does not support', (text, construct) => {
    expect(() => Matcher.parse(text, 'x', 'm')).toThrow(/^x: m: got .* \(invalid regular expression: error parsing regexp: /);
    expect(() => Matcher.parse(text, 'x', 'm')).toThrow(construct);
  });

  test('anchors the expression: $ is the end of the value, not of a line', () => {
    expect(Matcher.parse('a=~"x"', 'x', 'm').matches({ a: 'x\n' })).toBe(false);
  });
});
