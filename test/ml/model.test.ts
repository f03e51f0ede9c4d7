import fc from 'fast-check';
import { DriftMethod } from '../../src/ml/drift-method';
import { anomalyJobConfigToJson, driftJobConfigToJson, methodsFor, parseAnomalyJobConfig, parseDriftJobConfig, renderDriftJobConfig } from '../../src/ml/model';

const minimal = {
  tenant: 'acme',
  model: 'fraud',
  features: [
    { name: 'amount', kind: 'numeric' },
    { name: 'country', kind: 'categorical' },
  ],
  source: { type: 'samples', reference: 'ref.csv', current: 'cur.csv' },
};

describe('parseDriftJobConfig', () => {
  test('fills the documented defaults', () => {
    const json = driftJobConfigToJson(parseDriftJobConfig(minimal));
    expect(json.methods).toEqual([
      { method: 'ks', pValue: 0.05 },
      { method: 'psi', warn: 0.1, alert: 0.25, bins: 10, epsilon: 1e-4 },
      { method: 'jensenShannon', threshold: 0.1, bins: 10 },
    ]);
    expect(json.windows).toEqual({ reference: { range: '7d', offset: '1d' }, current: { range: '1d', offset: '0s' } });
    expect(json.source).toEqual({ type: 'samples', format: 'csv', reference: 'ref.csv', current: 'cur.csv' });
    expect(json.http).toEqual({ attempts: 3, backoffMs: 500, timeoutMs: 10000 });
    expect(json.pushgateway).toBeUndefined();
  });

  test('KS is skipped for categorical features unless the feature lists its own methods', () => {
    const config = parseDriftJobConfig({ ...minimal, features: [...minimal.features, { name: 'region', kind: 'categorical', methods: ['psi'] }] });
    expect(methodsFor(config, config.features[0]).map((m) => m.name)).toEqual(['ks', 'psi', 'jensenShannon']);
    expect(methodsFor(config, config.features[1]).map((m) => m.name)).toEqual(['psi', 'jensenShannon']);
    expect(methodsFor(config, config.features[2]).map((m) => m.toJson())).toEqual([{ method: 'psi', warn: 0.1, alert: 0.25, bins: 10, epsilon: 1e-4 }]);
  });

  test('accepts JSON text and infers jsonl from the file name', () => {
    const config = parseDriftJobConfig(JSON.stringify({ ...minimal, source: { type: 'samples', reference: 'https://x/ref.jsonl', current: 'cur.jsonl' } }));
    expect(config.source).toEqual({ type: 'samples', format: 'jsonl', reference: 'https://x/ref.jsonl', current: 'cur.jsonl' });
  });

  test('renders to JSON that parses back to the same configuration', () => {
    const arb = fc.record({
      pValue: fc.double({ min: 0, max: 1, noNaN: true }),
      warn: fc.double({ min: 0, max: 1, noNaN: true }),
      extra: fc.double({ min: 0, max: 1, noNaN: true }),
      bins: fc.integer({ min: 2, max: 1000 }),
      threshold: fc.double({ min: 0, max: 1, noNaN: true }),
      prometheus: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const config = parseDriftJobConfig({
          ...minimal,
          features: minimal.features.map((f) => ({ ...f, ...(a.prometheus ? { metric: `feature_${f.name}` } : {}) })),
          methods: [DriftMethod.ks({ pValue: a.pValue }).toJson(), DriftMethod.psi({ warn: a.warn, alert: a.warn + a.extra, bins: a.bins }).toJson(), DriftMethod.jensenShannon({ threshold: a.threshold }).toJson()],
          source: a.prometheus ? { type: 'prometheus', url: 'http://prometheus:9090' } : minimal.source,
          pushgateway: { url: 'http://pushgateway:9091' },
        });
        const text = renderDriftJobConfig(config);
        expect(renderDriftJobConfig(parseDriftJobConfig(text))).toBe(text);
      }),
      { numRuns: 50 },
    );
  });

  const bad: Array<[string, unknown, string]> = [
    ['fails on a tenant that is not a DNS label', { ...minimal, tenant: 'Acme' }, 'DriftJobConfig: tenant: got "Acme"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit'],
    ['fails on an unknown field', { ...minimal, thresholds: {} }, 'DriftJobConfig: thresholds: got "thresholds"; allowed: one of the fields tenant, model, features, methods, windows, source, pushgateway, http'],
    ['fails on no features', { ...minimal, features: [] }, 'DriftJobConfig: features: got []; allowed: an array with at least 1 element'],
    ['fails on an unknown feature kind', { ...minimal, features: [{ name: 'a', kind: 'text' }] }, 'DriftJobConfig: features[0].kind: got "text"; allowed: one of numeric, categorical'],
    ['fails on a repeated feature', { ...minimal, features: [{ name: 'a', kind: 'numeric' }, { name: 'a', kind: 'numeric' }] }, 'DriftJobConfig: features[1].name: got "a"; allowed: a feature name not used by an earlier feature'],
    ['fails on KS for a categorical feature', { ...minimal, features: [{ name: 'c', kind: 'categorical', methods: ['ks'] }] }, 'DriftJobConfig: features[0].methods[0]: got "ks"; allowed: psi or jensenShannon for a categorical feature (ks needs numeric values)'],
    ['fails on an unknown method', { ...minimal, methods: ['wasserstein'] }, 'DriftJobConfig: methods[0].method: got "wasserstein"; allowed: one of ks, psi, jensenShannon'],
    ['fails on a KS p-value above 1', { ...minimal, methods: [{ method: 'ks', pValue: 5 }] }, 'DriftJobConfig: methods[0].pValue: got 5; allowed: a number from 0 to 1'],
    ['fails on a PSI alert below its warn level', { ...minimal, methods: [{ method: 'psi', warn: 0.3, alert: 0.2 }] }, 'DriftJobConfig: methods[0].alert: got 0.2; allowed: a number at least psi.warn (0.3)'],
    ['fails on an option of another method', { ...minimal, methods: [{ method: 'ks', bins: 4 }] }, 'DriftJobConfig: methods[0].bins: got "bins"; allowed: one of the fields method, pValue'],
    ['fails on a repeated method', { ...minimal, methods: ['psi', 'psi'] }, 'DriftJobConfig: methods[1]: got "psi"; allowed: each method at most once'],
    ['fails on a bad window range', { ...minimal, windows: { current: { range: '1 day' } } }, 'DriftJobConfig: windows.current.range: got "1 day"; allowed: a Prometheus duration such as 30s, 5m, 1h30m or 7d (units y w d h m s ms, largest first, each once)'],
    ['fails on a Prometheus feature without a metric', { ...minimal, source: { type: 'prometheus', url: 'http://p:9090' } }, 'DriftJobConfig: features[0].metric: got nothing; allowed: a Prometheus metric name (required when source.type is prometheus)'],
    ['fails on a metric with a samples source', { ...minimal, features: [{ name: 'a', kind: 'numeric', metric: 'm' }] }, 'DriftJobConfig: features[0].metric: got "m"; allowed: nothing (metric is only used when source.type is prometheus)'],
    ['fails on a Pushgateway URL that is not http', { ...minimal, pushgateway: { url: 'ftp://pg' } }, 'DriftJobConfig: pushgateway.url: got "ftp://pg"; allowed: an absolute http:// or https:// URL'],
    ['fails on zero HTTP attempts', { ...minimal, http: { attempts: 0 } }, 'DriftJobConfig: http.attempts: got 0; allowed: a whole number from 1 to 20'],
    ['fails on text that is not JSON', '{"tenant":', 'DriftJobConfig: <root>: got "{\\"tenant\\":" (Unexpected end of JSON input); allowed: a JSON document'],
  ];
  test.each(bad)('%s', (_, input, message) => {
    expect(() => parseDriftJobConfig(input)).toThrow(message);
    try {
      parseDriftJobConfig(input);
    } catch (e) {
      expect((e as Error).message).toBe(message);
    }
  });
});

describe('DriftMethod', () => {
  test('classifies scores against its thresholds', () => {
    expect([0.05, 0.1, 0.2, 0.25].map((s) => DriftMethod.psi().level(s))).toEqual(['ok', 'warn', 'warn', 'alert']);
    expect([DriftMethod.ks().level(0.3, 0.049), DriftMethod.ks().level(0.3, 0.05)]).toEqual(['alert', 'ok']);
    expect([0.099, 0.1].map((s) => DriftMethod.jensenShannon().level(s))).toEqual(['ok', 'alert']);
  });

  test('fails on a Jensen-Shannon threshold outside [0, 1]', () => {
    expect(() => DriftMethod.jensenShannon({ threshold: 2 })).toThrow('DriftMethod: jensenShannon.threshold: got 2; allowed: a number from 0 to 1');
  });
});

describe('parseAnomalyJobConfig', () => {
  const anomaly = { tenant: 'acme', model: 'fraud', prometheusUrl: 'http://prometheus:9090', series: [{ name: 'rps', query: 'sum(rate(http_requests_total[5m]))' }] };

  test('fills the documented defaults', () => {
    expect(anomalyJobConfigToJson(parseAnomalyJobConfig(anomaly))).toEqual({
      ...anomaly,
      trainingRange: '7d',
      scoringRange: '1h',
      step: '5m',
      forest: { trees: 100, subsampleSize: 256, seed: 1 },
      threshold: 0.65,
      http: { attempts: 3, backoffMs: 500, timeoutMs: 10000 },
    });
  });

  test('fails on a query that is not PromQL', () => {
    expect(() => parseAnomalyJobConfig({ ...anomaly, series: [{ name: 'x', query: 'sum(' }] })).toThrow(/^AnomalyJobConfig: series\[0\]\.query: got "sum\("/);
  });

  test('fails on a threshold above 1', () => {
    expect(() => parseAnomalyJobConfig({ ...anomaly, threshold: 1.5 })).toThrow('AnomalyJobConfig: threshold: got 1.5; allowed: a number from 0 to 1');
  });
});
