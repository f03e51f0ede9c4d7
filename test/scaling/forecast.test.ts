import * as fc from 'fast-check';
import { Duration } from '../../src/core';
import { findPromQLError } from '../../src/core/validation';
import { selectorLabelValues, selectorMetricNames } from '../../src/prometheus/tenant-matcher';
import { renderForecastQueries } from '../../src/scaling';

const tenant = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
const metric = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,30}$/);
const labelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/).filter((n) => n !== 'tenant');
const labelValue = fc.string({ minLength: 1, maxLength: 12 });

describe('renderForecastQueries', () => {
  test('the example from the guide', () => {
    expect(renderForecastQueries({ metric: 'tenant:http_requests:rate5m', perPodCapacity: 50 }, 'acme')).toEqual({
      forecast: 'sum(clamp_min(predict_linear(tenant:http_requests:rate5m{tenant="acme"}[30m], 600), 0))',
      current: 'sum(tenant:http_requests:rate5m{tenant="acme"})',
    });
  });

  test('property: both queries parse, read only the metric, and every selector requires exactly the tenant', () => {
    fc.assert(fc.property(tenant, metric, fc.dictionary(labelName, labelValue, { maxKeys: 3 }), fc.integer({ min: 1, max: 24 * 60 }), (t, m, matchers, horizonMinutes) => {
      const q = renderForecastQueries({ metric: m, matchers, perPodCapacity: 1, horizon: Duration.minutes(horizonMinutes) }, t);
      for (const expr of [q.forecast, q.current]) {
        expect(findPromQLError(expr)).toBeUndefined();
        expect(selectorMetricNames(expr)).toEqual([m]);
        expect(selectorLabelValues(expr, 'tenant')).toEqual([[t]]);
        for (const [k, v] of Object.entries(matchers)) expect(selectorLabelValues(expr, k)).toEqual([[v]]);
      }
      expect(q.forecast).toContain(`, ${horizonMinutes * 60}), 0))`);
    }), { numRuns: 200 });
  });
});
