import { Duration } from '../../src/core/duration';
import { PROD } from '../../src/core/environment';
import { renderRuleGroups } from '../../src/prometheus/model';
import { alertDetectionTime, BURN_RATE_ALERTS, defaultTenantSlos, sloAlertName, sloRuleGroup } from '../../src/prometheus/slo';
import { AlertTestCase, runPromtool } from './packs/promtool';

const slo = defaultTenantSlos(PROD)[0]; // api-errors, 99.9 %
const groups = renderRuleGroups([sloRuleGroup(slo)], { tenant: 'acme' });
const REQUESTS_PER_STEP = 600;

/**
 * A clean history of `baseline`, then a constant error ratio `errorRatio` at the same total
 * traffic. The alert must be silent `tolerance` before the time the workbook math predicts and
 * firing `tolerance` after it (the tolerance covers the sampling step of the rate windows).
 */
function burnCase(kind: 'page' | 'ticket', burn: number, step: Duration, baseline: Duration): AlertTestCase {
  const alert = BURN_RATE_ALERTS.find((a) => a.kind === kind)!;
  const errorRatio = burn * (1 - slo.objective);
  const predicted = alertDetectionTime(errorRatio, alert, slo.objective);
  if (!predicted) throw new Error(`burn ${burn}x never fires the ${kind} alert`);
  const tolerance = step.times(3);
  const baseSteps = baseline.toMilliseconds() / step.toMilliseconds();
  const burnSteps = Math.ceil(predicted.plus(tolerance).plus(step).toMilliseconds() / step.toMilliseconds());
  const err = REQUESTS_PER_STEP * errorRatio;
  const ok = REQUESTS_PER_STEP - err;
  const start = baseline;
  return {
    name: `${kind} at ${burn}x burn fires ${predicted.toPrometheus()} after the errors start`,
    alert: sloAlertName(slo, kind),
    interval: step.toPrometheus(),
    series: [
      { series: 'http_requests_total{tenant="acme", code="500"}', values: `0x${baseSteps - 1} 0+${err}x${burnSteps}` },
      { series: 'http_requests_total{tenant="acme", code="200"}', values: `0+${REQUESTS_PER_STEP}x${baseSteps - 1} ${REQUESTS_PER_STEP * baseSteps}+${ok}x${burnSteps}` },
    ],
    expect: [
      { evalTime: minus(start.plus(predicted), tolerance).toPrometheus(), alerts: [] },
      { evalTime: start.plus(predicted).plus(tolerance).toPrometheus(), alerts: [{ tenant: 'acme', slo: slo.name }] },
    ],
  };
}

function minus(a: Duration, b: Duration): Duration {
  return Duration.millis(a.toMilliseconds() - b.toMilliseconds());
}

describe('SLO burn-rate alerts under promtool', () => {
  // Each burn is chosen so that exactly one window pair is the first to fire:
  // 20x: 1h/5m at 14.4x; 10x: 6h/30m at 6x (below 14.4x); 5x: 1d/2h at 3x; 2x: 3d/6h at 1x (below 3x).
  test.each([
    ['page', 20, Duration.minutes(1), Duration.hours(6)],
    ['page', 10, Duration.minutes(1), Duration.hours(6)],
    ['ticket', 5, Duration.minutes(5), Duration.days(3)],
    ['ticket', 2, Duration.minutes(5), Duration.days(3)],
  ] as const)('%s alert at %dx burn fires when the workbook math predicts', (kind, burn, step, baseline) => {
    const c = burnCase(kind, burn, step, baseline);
    const out = runPromtool(groups, [c], step.toPrometheus());
    expect(out).toContain('SUCCESS');
  });

  test('below the lowest factor no alert fires', () => {
    const step = Duration.minutes(5);
    const c = burnCase('ticket', 2, step, Duration.days(3));
    const quiet: AlertTestCase = {
      ...c,
      name: 'a 0.9x burn stays silent',
      series: [
        { series: 'http_requests_total{tenant="acme", code="500"}', values: `0+${REQUESTS_PER_STEP * 0.0009}x1000` },
        { series: 'http_requests_total{tenant="acme", code="200"}', values: `0+${REQUESTS_PER_STEP * 0.9991}x1000` },
      ],
      expect: [{ evalTime: '3d12h', alerts: [] }],
    };
    expect(runPromtool(groups, [quiet, { ...quiet, alert: sloAlertName(slo, 'page') }], '5m')).toContain('SUCCESS');
  });
});
