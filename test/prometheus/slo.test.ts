import * as fc from 'fast-check';
import { Duration } from '../../src/core/duration';
import { DEV, PROD } from '../../src/core/environment';
import { renderRuleGroups } from '../../src/prometheus/model';
import {
  alertDetectionTime, BURN_RATE_ALERTS, burnRateThreshold, defaultSloRuleGroups, detectionTime, Sli, sloRuleGroup, sloWindows, validateSlo,
} from '../../src/prometheus/slo';

describe('SLO math', () => {
  test('thresholds are factor times the error budget', () => {
    expect(burnRateThreshold(14.4, 0.999)).toBeCloseTo(0.0144, 12);
    expect(burnRateThreshold(1, 0.95)).toBeCloseTo(0.05, 12);
  });

  test('detection time follows the workbook: a 100 % outage of a 99.9 % SLO pages after 0.864 minutes on the 1h window', () => {
    // Workbook table 5-8: 14.4x over 1h detects a total outage in 0.0144 × 60 min = 0.864 min.
    expect(detectionTime(1, BURN_RATE_ALERTS[0].windows[0], 0.999)?.toSeconds()).toBeCloseTo(51.84, 6);
    expect(detectionTime(0.01, BURN_RATE_ALERTS[0].windows[0], 0.999)).toBeUndefined();
  });

  test('a faster burn is detected sooner, and never later than the long window', () => {
    fc.assert(fc.property(fc.double({ min: 0.9, max: 0.9999, noNaN: true }), fc.double({ min: 1.01, max: 50, noNaN: true }), (objective, k) => {
      for (const alert of BURN_RATE_ALERTS) {
        for (const w of alert.windows) {
          const e = burnRateThreshold(w.factor, objective) * k;
          if (e > 1) continue;
          const t = detectionTime(e, w, objective) as Duration;
          const faster = detectionTime(Math.min(1, e * 1.5), w, objective) as Duration;
          expect(t.compareTo(w.long)).toBeLessThanOrEqual(0);
          expect(faster.compareTo(t)).toBeLessThanOrEqual(0);
        }
      }
    }));
  });

  test('the recording windows are every long and short window, shortest first', () => {
    expect(sloWindows().map(String)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  });

  test('the page alert is detected by its fastest window', () => {
    expect(alertDetectionTime(0.02, BURN_RATE_ALERTS[0], 0.999)?.toPrometheus()).toBe('43m12s');
  });
});

describe('Slo rules', () => {
  const slo = { name: 'checkout', description: '99 % of checkouts succeed', objective: 0.99, sli: Sli.errorRatio({ errors: 'checkout_total{result="error"}', total: 'checkout_total' }) };

  test('records each window, the 30d ratio and the budget, and alerts on page and ticket burn', () => {
    const [group] = renderRuleGroups([sloRuleGroup(slo)], { tenant: 'acme' });
    expect(group.name).toBe('slo-checkout');
    expect(group.rules.map((r) => r.record ?? r.alert)).toEqual([
      'slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate30m', 'slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h', 'slo:sli_error:ratio_rate1d', 'slo:sli_error:ratio_rate3d', 'slo:sli_error:ratio_rate30d',
      'slo:objective:ratio', 'slo:error_budget:remaining', 'CheckoutBurnRatePage', 'CheckoutBurnRateTicket',
    ]);
    expect(group.rules[0]).toEqual({
      record: 'slo:sli_error:ratio_rate5m',
      expr: 'sum by (tenant) (rate(checkout_total{tenant="acme", result="error"}[5m])) / sum by (tenant) (rate(checkout_total{tenant="acme"}[5m]))',
      labels: { slo: 'checkout', tenant: 'acme' },
    });
    expect(group.rules[9].expr).toBe('1 - (slo:sli_error:ratio_rate30d{tenant="acme", slo="checkout"} / 0.01)');
    expect(group.rules[10].expr).toBe('(slo:sli_error:ratio_rate1h{tenant="acme", slo="checkout"} > 0.144 and slo:sli_error:ratio_rate5m{tenant="acme", slo="checkout"} > 0.144)'
      + ' or (slo:sli_error:ratio_rate6h{tenant="acme", slo="checkout"} > 0.06 and slo:sli_error:ratio_rate30m{tenant="acme", slo="checkout"} > 0.06)');
    expect(group.rules[10].labels).toEqual({ severity: 'critical', slo: 'checkout', tenant: 'acme' });
    expect(group.rules[11].labels).toEqual({ severity: 'warning', slo: 'checkout', tenant: 'acme' });
  });

  test('latency SLIs read the threshold bucket', () => {
    expect(Sli.latency({ histogram: 'http_request_duration_seconds', thresholdSeconds: 0.2, matchers: 'job="api"' }).errorRatio(Duration.hours(1)))
      .toBe('1 - (sum by (tenant) (rate(http_request_duration_seconds_bucket{job="api", le="0.2"}[1h])) / sum by (tenant) (rate(http_request_duration_seconds_count{job="api"}[1h])))');
    expect(Sli.uptime().errorRatio(Duration.days(1))).toBe('1 - avg by (tenant) (avg_over_time(up[1d]))');
    expect(Sli.goodRatio({ good: 'jobs_total{ok="true"}', total: 'jobs_total' }).errorRatio(Duration.minutes(5)))
      .toBe('1 - (sum by (tenant) (rate(jobs_total{ok="true"}[5m])) / sum by (tenant) (rate(jobs_total[5m])))');
  });

  test('default SLOs follow the profile: p95 under 200 ms, errors under 0.1 %, uptime 99.9 %, capacity at 80 % of the target', () => {
    const groups = renderRuleGroups(defaultSloRuleGroups(PROD), { tenant: 'acme' });
    expect(groups.map((g) => g.name)).toEqual(['slo-api-errors', 'slo-api-latency', 'slo-uptime', 'capacity']);
    expect(groups[1].rules[0].expr).toContain('le="0.2"');
    expect(groups[0].rules.find((r) => r.alert)?.expr).toContain('> 0.0144');
    expect(groups[3].rules[0].expr).toBe('sum by (tenant) (rate(http_requests_total{tenant="acme"}[5m])) > 8000');
    expect(renderRuleGroups(defaultSloRuleGroups(DEV))[3].rules[0].expr).toBe('sum by (tenant) (rate(http_requests_total[5m])) > 400');
  });

  test.each([
    ['fails for an objective of 1', { ...slo, objective: 1 }, '<slo>: slo(checkout).objective: got 1; allowed: a ratio strictly between 0 and 1, e.g. 0.999'],
    ['fails for a bad name', { ...slo, name: 'Checkout' }, '<slo>: slo.name: got "Checkout"; allowed: a DNS-1123 label'],
    ['fails without a description', { ...slo, description: ' ' }, '<slo>: slo(checkout).description: got " "; allowed: a non-empty text'],
  ])('%s', (_n, bad, message) => {
    expect(() => validateSlo(bad)).toThrow(message);
  });

  test.each([
    ['fails for an expression instead of a selector', () => Sli.errorRatio({ errors: 'rate(x[5m])', total: 'x' }),
      '<slo>: sli.errors: got "rate(x[5m])"; allowed: one vector selector such as http_requests_total{code=~"5.."}'],
    ['fails for a latency threshold of 0', () => Sli.latency({ histogram: 'h', thresholdSeconds: 0 }),
      '<slo>: sli.thresholdSeconds: got 0; allowed: a positive number of seconds that is a bucket boundary of the histogram'],
  ])('%s', (_n, build, message) => {
    expect(build).toThrow(message);
  });
});
