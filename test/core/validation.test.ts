import * as fc from 'fast-check';
import { Duration } from '../../src/core/duration';
import { ValidationError } from '../../src/core/errors';
import { objectName, stableUid } from '../../src/core/naming';
import { parseQuantity } from '../../src/core/quantity';
import {
  findPromQLError, validateCron, validateDnsLabel, validateKubernetesLabelValue, validateLabelName, validateLabelValue, validateMetricName, validatePromQL,
} from '../../src/core/validation';

describe('Duration', () => {
  test.each([['30s', 30_000], ['5m', 300_000], ['1h30m', 5_400_000], ['7d', 604_800_000], ['2w', 1_209_600_000], ['1y', 31_536_000_000], ['250ms', 250], ['0', 0]])(
    'parses %s', (text, ms) => expect(Duration.parse(text).toMilliseconds()).toBe(ms));

  test.each(['', '5', '5 m', '1m1h', '1h1h', '-5m', '1.5h', 'PT5M', 'ms'])('fails %j', (text) => {
    expect(() => Duration.parse(text, 'x', 'for')).toThrow(
      `x: for: got ${JSON.stringify(text)}; allowed: a Prometheus duration such as 30s, 5m, 1h30m or 7d (units y w d h m s ms, largest first, each once)`);
  });

  test('renders the largest units first, in days at most', () => {
    expect(Duration.minutes(90).toPrometheus()).toBe('1h30m');
    expect(Duration.days(15).toPrometheus()).toBe('15d');
    expect(Duration.seconds(0).toPrometheus()).toBe('0s');
  });

  test('renders what it parses back to the same length (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
      const text = Duration.millis(ms).toPrometheus();
      expect(Duration.isValid(text)).toBe(true);
      expect(Duration.parse(text).toMilliseconds()).toBe(ms);
    }));
  });
});

describe('validators name the location, the field and what is allowed', () => {
  test('DNS labels', () => {
    for (const ok of ['a', 'acme', 'acme-ai', 'a1', '1a', 'a'.repeat(63)]) expect(validateDnsLabel(ok, 'x', 'id')).toBe(ok);
    for (const bad of ['', 'Acme', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64)]) expect(() => validateDnsLabel(bad, 'x', 'id')).toThrow(ValidationError);
  });

  test('Prometheus label names, values and metric names', () => {
    expect(validateLabelName('team_name', 'x', 'l')).toBe('team_name');
    expect(() => validateLabelName('__name__', 'x', 'l')).toThrow('x: l: got "__name__"; allowed: a Prometheus label name');
    expect(() => validateLabelName('1abc', 'x', 'l')).toThrow(ValidationError);
    expect(() => validateLabelValue('', 'x', 'v')).toThrow(ValidationError);
    expect(() => validateLabelValue('a\nb', 'x', 'v')).toThrow(ValidationError);
    expect(validateMetricName('tenant:http_requests:rate5m', 'x', 'r')).toBe('tenant:http_requests:rate5m');
    expect(() => validateMetricName('http-requests', 'x', 'r')).toThrow(ValidationError);
    expect(() => validateKubernetesLabelValue('a'.repeat(64), 'x', 'v')).toThrow(ValidationError);
  });

  test.each([
    ['*/15 * * * *'], ['0 * * * *'], ['30 */6 * * *'], ['0 9-17 * * MON-FRI'], ['0 0 1,15 * *'], ['0 0 ? * SUN'], ['@hourly'], ['5 4 * JAN,JUL 0'],
    ['@annually'], ['@midnight'], ['@every 1h30m'], ['@every 90s'], ['5/15 * * * *'], ['0 0 * * sat'], ['0 0 * jan-mar 1-5/2'], ['? ? ? ? ?'],
  ])('accepts the cron schedule %j', (schedule) => expect(validateCron(schedule, 'x', 'schedule')).toBe(schedule));

  test.each([
    ['* * * *', '4 fields'], ['60 * * * *', 'minute value "60" is outside 0-59'], ['0 24 * * *', 'hour value "24" is outside 0-23'],
    ['0 0 0 * *', 'day-of-month value "0" is outside 1-31'], ['0 0 * 13 *', 'month value "13" is outside 1-12'], ['0 0 * * 7', 'day-of-week value "7" is outside 0-6'],
    ['0 0 * * 5-7', 'day-of-week value "5-7" is outside 0-6'], ['*/0 * * * *', 'minute step "0" must be a positive whole number'], ['0 17-9 * * *', 'hour range "17-9" runs backwards'],
    ['@often', 'unknown descriptor'], ['@every 5 minutes', '"5 minutes" is not a Go duration such as 90s, 5m or 1h30m'], ['TZ=UTC 0 * * * *', 'a time zone prefix'],
    ['CRON_TZ=Europe/Berlin 0 * * * *', 'a time zone prefix'], ['0 0 * * MON-FRI-SAT', 'day-of-week "MON-FRI-SAT" has too many hyphens'], ['0 0 1/2/3 * *', 'day-of-month "1/2/3" has too many slashes'],
    ['0 0 * FOO *', 'month "FOO" is not a number or a name'], ['0 0 L * *', 'day-of-month "L" is not a number'], ['', '0 fields'],
  ])('fails the cron schedule %j (%s)', (schedule, detail) => {
    expect(() => validateCron(schedule, 'x', 'schedule')).toThrow(`x: schedule: got ${JSON.stringify(schedule)} (${detail}); allowed: a 5-field cron schedule`);
  });

  test('PromQL', () => {
    expect(findPromQLError('sum by (tenant) (rate(http_requests_total{code=~"5.."}[5m]))')).toBeUndefined();
    expect(findPromQLError('rate(x[5m]')).toEqual({ offset: 10, message: 'unexpected end of expression' });
    expect(() => validatePromQL('sum(rate(x[5m]) by', 'x', 'expr')).toThrow(/^x: expr: got "sum\(rate\(x\[5m\]\) by" \(.*\); allowed: a PromQL expression$/);
    expect(() => validatePromQL('', 'x', 'expr')).toThrow('x: expr: got "" (empty expression); allowed: a PromQL expression');
  });

  test('Kubernetes quantities compare by value', () => {
    expect(parseQuantity('500m', 'x', 'cpu')).toBe(0.5);
    expect(parseQuantity('1Gi', 'x', 'm')).toBe(1024 ** 3);
    expect(parseQuantity('2', 'x', 'cpu')).toBeGreaterThan(parseQuantity('1500m', 'x', 'cpu'));
    expect(() => parseQuantity('lots', 'x', 'cpu')).toThrow('x: cpu: got "lots"; allowed: a Kubernetes quantity such as 500m, 2, 512Mi or 10Gi');
  });
});

describe('names', () => {
  test('joins parts into a DNS name and shortens long names with a stable hash', () => {
    expect(objectName(['acme', 'Rules'])).toBe('acme-rules');
    const long = objectName(['tenant'.repeat(20), 'dashboard']);
    expect(long.length).toBe(63);
    expect(long).toBe(objectName(['tenant'.repeat(20), 'dashboard']));
    expect(long).not.toBe(objectName(['tenant'.repeat(20), 'dashboards']));
    expect(stableUid(['a'.repeat(50)]).length).toBeLessThanOrEqual(40);
  });

  test('every generated name is a DNS label (property)', () => {
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /[a-z0-9]/i.test(s)), { minLength: 1, maxLength: 4 }), (parts) => {
      expect(() => validateDnsLabel(objectName(parts), 'x', 'name')).not.toThrow();
    }));
  });
});
