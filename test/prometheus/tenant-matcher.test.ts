import * as fc from 'fast-check';
import { parser } from '@prometheus-io/lezer-promql';
import { findPromQLError } from '../../src/core/validation';
import { injectLabelMatcher, injectTenantMatcher, listMetricNames, listSelectors, selectorLabelValues } from '../../src/prometheus/tenant-matcher';

describe('injectTenantMatcher', () => {
  test.each([
    ['up', 'up{tenant="acme"}'],
    ['up{job="api"}', 'up{tenant="acme", job="api"}'],
    ['up{}', 'up{tenant="acme"}'],
    ['{__name__="up"}', '{tenant="acme", __name__="up"}'],
    ['rate(http_requests_total{code=~"5.."}[5m])', 'rate(http_requests_total{tenant="acme", code=~"5.."}[5m])'],
    ['sum by (job) (rate(a[5m] offset 1h)) / on(job) group_left sum by (job) (rate(b[5m]))',
      'sum by (job) (rate(a{tenant="acme"}[5m] offset 1h)) / on(job) group_left sum by (job) (rate(b{tenant="acme"}[5m]))'],
    ['max_over_time(x[1h:5m])', 'max_over_time(x{tenant="acme"}[1h:5m])'],
    ['histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))', 'histogram_quantile(0.95, sum by (le) (rate(h_bucket{tenant="acme"}[5m])))'],
    ['vector(1)', 'vector(1)'],
    ['up{tenant="acme"}', 'up{tenant="acme"}'],
    ['absent(up{job="x"})', 'absent(up{tenant="acme", job="x"})'],
  ])('%s becomes %s', (input, expected) => {
    expect(injectTenantMatcher(input, 'tenant', 'acme')).toBe(expected);
  });

  test('escapes the tenant value as a PromQL string', () => {
    expect(injectTenantMatcher('up', 'tenant', 'a"b')).toBe('up{tenant="a\\"b"}');
  });

  test('fails a selector that already reads another tenant', () => {
    expect(() => injectTenantMatcher('up{tenant="globex"}', 'tenant', 'acme', 'prod/acme/Rules', 'groups[0].rules[0].expr')).toThrow(
      'prod/acme/Rules: groups[0].rules[0].expr: got "up{tenant=\\"globex\\"}" (selector up{tenant="globex"} already constrains \'tenant\'); allowed: selectors without a \'tenant\' matcher, or with exactly tenant="acme"',
    );
  });

  test('fails a regex matcher on the tenant label', () => {
    expect(() => injectTenantMatcher('up{tenant=~".*"}', 'tenant', 'acme')).toThrow('already constrains \'tenant\'');
  });

  test('fails an expression that does not parse', () => {
    expect(() => injectTenantMatcher('rate(up[5m]', 'tenant', 'acme', 'x', 'expr')).toThrow(
      'x: expr: got "rate(up[5m]" (unexpected end of expression); allowed: a PromQL expression',
    );
  });
});

// ---- property tests -------------------------------------------------------------------------

const metric = fc.constantFrom('up', 'http_requests_total', 'node_cpu_seconds_total', 'ml_drift_score', 'a:b:rate5m');
const labelName = fc.constantFrom('job', 'code', 'instance', 'le', 'method', 'namespace');
const labelValue = fc.stringMatching(/^[a-z0-9_.-]{0,8}$/);
const op = fc.constantFrom('=', '!=', '=~', '!~');
const matcher = fc.tuple(labelName, op, labelValue).map(([n, o, v]) => `${n}${o}${JSON.stringify(v)}`);
const selector = fc.tuple(metric, fc.array(matcher, { maxLength: 3 }), fc.boolean()).map(([m, ms, braces]) =>
  ms.length > 0 || braces ? `${m}{${ms.join(',')}}` : m);
const range = fc.constantFrom('1m', '5m', '1h', '30s');

const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
  vector: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    selector,
    fc.tuple(selector, range).map(([s, r]) => `rate(${s}[${r}])`),
    fc.tuple(selector, range, range).map(([s, r, o]) => `increase(${s}[${r}] offset ${o})`),
    fc.tuple(tie('vector') as fc.Arbitrary<string>, range).map(([e, r]) => `max_over_time((${e})[${r}:1m])`),
    fc.tuple(fc.constantFrom('sum', 'avg', 'max', 'count'), fc.array(labelName, { maxLength: 2 }), tie('vector') as fc.Arbitrary<string>)
      .map(([agg, by, e]) => `${agg} by (${by.join(', ')}) (${e})`),
    fc.tuple(tie('vector') as fc.Arbitrary<string>, fc.constantFrom('+', '/', 'and', 'or', 'unless', '>'), tie('vector') as fc.Arbitrary<string>)
      .map(([a, o, b]) => `(${a}) ${o} (${b})`),
    fc.tuple(tie('vector') as fc.Arbitrary<string>, fc.double({ min: 0, max: 100, noNaN: true })).map(([e, n]) => `${e} > ${n.toFixed(2)}`),
  ),
})).vector as fc.Arbitrary<string>;

/**
 * The expression's tokens (leaf nodes) with every tenant matcher removed. Braces are not tokens
 * here (an empty `{}` is a leaf), since adding a matcher to `up` legitimately adds them.
 */
function tokensWithoutTenant(text: string): string[] {
  const tokens: string[] = [];
  const tree = parser.parse(text);
  const skip: Array<[number, number]> = [];
  tree.iterate({
    enter(n) {
      if (n.type.name === 'UnquotedLabelMatcher' && text.slice(n.from, n.to).startsWith('tenant=')) {
        skip.push([n.from, n.to]);
        return false;
      }
      if (n.type.name === 'LabelMatchers' && !n.node.firstChild) return false;
      if (!n.node.firstChild) {
        if (!skip.some(([a, b]) => n.from >= a && n.to <= b)) tokens.push(text.slice(n.from, n.to));
      }
      return undefined;
    },
  });
  return tokens;
}

/** Remove the separators and braces that only exist because of the tenant matcher. */
function normalize(text: string): string {
  return text.replace(/tenant="acme",\s*/g, '').replace(/\{tenant="acme"\}/g, '').replace(/\{\}/g, '');
}

describe('injectTenantMatcher properties', () => {
  test('the result parses', () => {
    fc.assert(fc.property(expr, (e) => {
      expect(findPromQLError(e)).toBeUndefined();
      expect(findPromQLError(injectTenantMatcher(e, 'tenant', 'acme'))).toBeUndefined();
    }), { numRuns: 300 });
  });

  test('every selector carries the tenant matcher exactly once', () => {
    fc.assert(fc.property(expr, (e) => {
      const values = selectorLabelValues(injectTenantMatcher(e, 'tenant', 'acme'), 'tenant');
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(v).toEqual(['acme']);
    }), { numRuns: 300 });
  });

  test('nothing else changes', () => {
    fc.assert(fc.property(expr, (e) => {
      const out = injectTenantMatcher(e, 'tenant', 'acme');
      expect(tokensWithoutTenant(out)).toEqual(tokensWithoutTenant(e));
      expect(normalize(out)).toBe(normalize(e));
    }), { numRuns: 300 });
  });

  test('is idempotent', () => {
    fc.assert(fc.property(expr, (e) => {
      const once = injectTenantMatcher(e, 'tenant', 'acme');
      expect(injectTenantMatcher(once, 'tenant', 'acme')).toBe(once);
    }), { numRuns: 200 });
  });
});

// ---- the same rewriter for dashboards: another operator, a variable, only some selectors ------

describe('injectLabelMatcher for dashboards', () => {
  const TENANT_VAR = { label: 'tenant', op: '=', value: '$tenant' };

  test.each([
    ['up', 'up{tenant="$tenant"}'],
    ['up{}', 'up{tenant="$tenant"}'],
    ['rate(x[5m])', 'rate(x{tenant="$tenant"}[5m])'],
    ['sum by (le) (rate(h_bucket{code=~"5.."}[5m])) / on() group_left sum(y offset 1h)', 'sum by (le) (rate(h_bucket{tenant="$tenant", code=~"5.."}[5m])) / on() group_left sum(y{tenant="$tenant"} offset 1h)'],
    ['{__name__="x"}', '{tenant="$tenant", __name__="x"}'],
  ])('rewrites %s', (input, output) => {
    expect(injectLabelMatcher(input, TENANT_VAR)).toBe(output);
  });

  test('writes the operator it is given (multi-tenant platform dashboards)', () => {
    expect(injectLabelMatcher('up{job="a"}', { label: 'tenant', op: '=~', value: '$tenant' })).toBe('up{tenant=~"$tenant", job="a"}');
  });

  test('leaves selectors the predicate excludes alone, and names their metric', () => {
    expect(injectLabelMatcher('a * scalar(node_cost)', TENANT_VAR, { applies: (m) => m !== 'node_cost' })).toBe('a{tenant="$tenant"} * scalar(node_cost)');
    expect(listSelectors('{__name__="x", job="a"} + {"y"} + z').map((s) => s.metric)).toEqual(['x', 'y', 'z']);
  });

  test('fails when a selector already matches on the label another way', () => {
    expect(() => injectLabelMatcher('up{tenant="x"}', TENANT_VAR, { location: 'dashboard acme' })).toThrow(
      'dashboard acme: expr: got "up{tenant=\\"x\\"}" (selector up{tenant="x"} already constrains \'tenant\'); allowed: selectors without a \'tenant\' matcher, or with exactly tenant="$tenant"');
  });

  test('keeps every other matcher and metric of random expressions, with one tenant matcher per selector', () => {
    fc.assert(fc.property(expr, (e) => {
      const out = injectLabelMatcher(e, TENANT_VAR);
      expect(findPromQLError(out)).toBeUndefined();
      const before = listSelectors(e);
      const after = listSelectors(out);
      expect(after.map((s) => s.matchers.filter((m) => m.label === 'tenant'))).toEqual(before.map(() => [TENANT_VAR]));
      expect(after.map((s) => ({ metric: s.metric, matchers: s.matchers.filter((m) => m.label !== 'tenant') }))).toEqual(before);
      expect(listMetricNames(out)).toEqual(listMetricNames(e));
    }), { numRuns: 200 });
  });
});
