import * as fc from 'fast-check';
import { findPromQLSyntaxErrors, injectLabelMatcher, listMetricNames, listSelectors } from '../../src/grafana/promql';

const TENANT = { label: 'tenant', op: '=', value: '$tenant' };
const all = (): boolean => true;

describe('injectLabelMatcher', () => {
  test.each([
    ['up', 'up{tenant="$tenant"}'],
    ['up{}', 'up{tenant="$tenant"}'],
    ['up{job="a"}', 'up{tenant="$tenant", job="a"}'],
    ['rate(x[5m])', 'rate(x{tenant="$tenant"}[5m])'],
    ['sum by (le) (rate(h_bucket{code=~"5.."}[5m])) / on() group_left sum(y offset 1h)', 'sum by (le) (rate(h_bucket{tenant="$tenant", code=~"5.."}[5m])) / on() group_left sum(y{tenant="$tenant"} offset 1h)'],
    ['max_over_time(a[1h:5m])', 'max_over_time(a{tenant="$tenant"}[1h:5m])'],
    ['{__name__="x"}', '{tenant="$tenant", __name__="x"}'],
    ['vector(1)', 'vector(1)'],
  ])('rewrites %s', (input, output) => {
    expect(injectLabelMatcher(input, TENANT, all)).toBe(output);
  });

  test('leaves selectors the predicate excludes alone', () => {
    expect(injectLabelMatcher('a * scalar(node_cost)', TENANT, (m) => m !== 'node_cost')).toBe('a{tenant="$tenant"} * scalar(node_cost)');
  });

  test('fails on an expression that does not parse', () => {
    expect(() => injectLabelMatcher('sum(up', TENANT, all)).toThrow("cannot add tenant matcher: expression does not parse near 'sum(up': sum(up");
  });

  test('fails when a selector already matches on the label', () => {
    expect(() => injectLabelMatcher('up{tenant="x"}', TENANT, all))
      .toThrow(`selector of 'up' already matches on 'tenant'; leave that label to the dashboard: up{tenant="x"}`);
  });

  // Random expressions from a small PromQL grammar: the rewrite must keep them parsing, give every selector exactly
  // one tenant matcher and keep every other matcher and metric.
  const metric = fc.constantFrom('up', 'http_requests_total', 'a:b:rate5m', 'node_cpu_seconds_total');
  const matcher = fc.record({ label: fc.constantFrom('job', 'code', 'route'), op: fc.constantFrom('=', '!=', '=~', '!~'), value: fc.constantFrom('', 'a', '5..', 'x"y') });
  const selector = fc.tuple(metric, fc.array(matcher, { maxLength: 3 })).map(([m, ms]) =>
    ms.length === 0 ? m : `${m}{${ms.map((x) => `${x.label}${x.op}${JSON.stringify(x.value)}`).join(', ')}}`);
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      selector,
      selector.map((s) => `rate(${s}[5m])`),
      tie('e').map((e) => `sum by (job) (${e})`),
      fc.tuple(tie('e'), fc.constantFrom('+', '/', 'and', 'or'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    ),
  })).e;

  test('keeps expressions valid and gives every selector one tenant matcher', () => {
    fc.assert(fc.property(expr, (e) => {
      const out = injectLabelMatcher(e, TENANT, all);
      expect(findPromQLSyntaxErrors(out)).toEqual([]);
      const before = listSelectors(e);
      const after = listSelectors(out);
      expect(after.map((s) => s.matchers.filter((m) => m.label === 'tenant'))).toEqual(before.map(() => [TENANT]));
      expect(after.map((s) => ({ metric: s.metric, matchers: s.matchers.filter((m) => m.label !== 'tenant') }))).toEqual(before);
      expect(listMetricNames(out)).toEqual(listMetricNames(e));
    }));
  });
});

describe('findPromQLSyntaxErrors', () => {
  test.each(['', 'sum(', 'rate(x[5m]', 'up{job=}'])('reports %j', (e) => {
    expect(findPromQLSyntaxErrors(e).length).toBeGreaterThan(0);
  });
});
