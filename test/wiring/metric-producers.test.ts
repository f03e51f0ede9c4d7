import * as fs from 'node:fs';
import * as path from 'node:path';
import { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { DOCUMENTED_METRICS, MetricCatalogue } from '../../src/core/metric-catalogue';
import { CONTROL_PLANE_COMPONENTS, ENVIRONMENTS, PROD } from '../../src/core/environment';
import { platformRuleGroups } from '../../src/prometheus/packs';
import { validatePromQL } from '../../src/core/validation';
import { DASHBOARD_SIDECAR_LABEL } from '../../src/grafana/grafana-dashboards';
import { listDashboardPanels, listDashboardQueries } from '../../src/grafana/model';
import { listMetricNames } from '../../src/prometheus/tenant-matcher';
import { TENANT_ALERT_DISABLED_RECORD } from '../../src/prometheus/aggregated';
import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, ofKind, synthEnvironment } from '../support/synth';

/** One PromQL expression (or metric name) that an object of the synthesized output reads. */
interface Read {
  /** `<Kind> <namespace>/<name> <where in the object>`. */
  readonly where: string;
  /** The expression, or a bare metric name. */
  readonly expr: string;
}

interface RuleSpec { readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: ReadonlyArray<{ readonly alert?: string; readonly record?: string; readonly expr: string }> }> }
interface ScaledObjectSpec { readonly triggers: ReadonlyArray<{ readonly type: string; readonly name?: string; readonly metadata: { readonly query?: string } }> }
interface HpaSpec { readonly metrics?: ReadonlyArray<{ readonly type: string; readonly pods?: { readonly metric: { readonly name: string } }; readonly object?: { readonly metric: { readonly name: string } }; readonly external?: { readonly metric: { readonly name: string } } }> }
interface AnomalyJson { readonly series: ReadonlyArray<{ readonly name: string; readonly query: string }> }
interface DriftJson { readonly features: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly metric?: string }> }

const at = (o: Manifest, where: string): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} ${where}`;
const spec = <T>(o: Manifest): T => o.spec as T;

/** The series every recording rule of the output writes. */
function recordedBy(objects: ReadonlyArray<Manifest>): Set<string> {
  return new Set(ofKind(objects, 'PrometheusRule').flatMap((o) => spec<RuleSpec>(o).groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
}

/** Every PromQL expression or metric name that rules, dashboards, autoscalers and job configs read. */
function readsOf(objects: ReadonlyArray<Manifest>): Read[] {
  const reads: Read[] = [];
  for (const o of ofKind(objects, 'PrometheusRule')) {
    spec<RuleSpec>(o).groups.forEach((g, gi) => g.rules.forEach((r, ri) => reads.push({ where: at(o, `groups[${gi}](${g.name}).rules[${ri}](${r.alert ?? r.record})`), expr: r.expr })));
  }
  for (const o of ofKind(objects, 'ConfigMap')) {
    const data = (o.data ?? {}) as Record<string, string>;
    if (o.metadata.labels?.[DASHBOARD_SIDECAR_LABEL] === '1') {
      for (const [key, json] of Object.entries(data)) {
        const dashboard = JSON.parse(json) as Dashboard;
        for (const q of listDashboardQueries(dashboard)) reads.push({ where: at(o, `${key} panel "${q.panel}" ${q.refId}`), expr: q.expr });
        for (const v of dashboard.templating?.list ?? []) {
          // Query variables read label_values(<metric>, <label>), which is not PromQL.
          const metric = typeof v.query === 'string' ? /^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(v.query)?.[1] : undefined;
          if (metric) reads.push({ where: at(o, `${key} variable ${v.name}`), expr: metric });
        }
      }
    }
    if (data['anomaly.json']) {
      (JSON.parse(data['anomaly.json']) as AnomalyJson).series.forEach((s, i) => reads.push({ where: at(o, `anomaly.json series[${i}](${s.name})`), expr: s.query }));
    }
    if (data['drift.json']) {
      (JSON.parse(data['drift.json']) as DriftJson).features.forEach((f, i) => {
        // The drift job queries <metric>_bucket of numeric features and <metric> of categorical ones.
        if (f.metric) reads.push({ where: at(o, `drift.json features[${i}](${f.name})`), expr: f.kind === 'numeric' ? `${f.metric}_bucket` : f.metric });
      });
    }
  }
  for (const o of ofKind(objects, 'ScaledObject')) {
    spec<ScaledObjectSpec>(o).triggers.forEach((t, i) => {
      if (t.type === 'prometheus' && t.metadata.query) reads.push({ where: at(o, `triggers[${i}](${t.name ?? t.type})`), expr: t.metadata.query });
    });
  }
  for (const o of ofKind(objects, 'HorizontalPodAutoscaler')) {
    (spec<HpaSpec>(o).metrics ?? []).forEach((m, i) => {
      const name = (m.pods ?? m.object ?? m.external)?.metric.name;
      if (name) reads.push({ where: at(o, `metrics[${i}](${m.type})`), expr: name });
    });
  }
  return reads;
}

/** The reads of metrics that neither the catalogue nor a recording rule of the output produces, one line each. */
function unproducedReads(objects: ReadonlyArray<Manifest>, catalogue: MetricCatalogue): string[] {
  const recorded = recordedBy(objects);
  // The shared packs' per-tenant thresholds and disable switches are recorded by a tenant's
  // overrides object once it has overrides; until then their absence means "the default".
  const onDemand = (metric: string): boolean => metric === TENANT_ALERT_DISABLED_RECORD || metric.startsWith('tenant_threshold:');
  return readsOf(objects).flatMap((r) => listMetricNames(r.expr)
    .filter((metric) => !catalogue.has(metric) && !recorded.has(metric) && !onDemand(metric))
    .map((metric) => `${r.where}: reads ${metric}, which no rule, job, exporter or application convention produces`));
}

/**
 * Metric names in a runbook's code spans that parse as PromQL. A bare word counts as a metric when
 * it looks like one (a recorded `a:b:c` name or a unit or counter suffix); label names such as
 * `source_ip` are prose.
 */
function metricsOf(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].flatMap(([, code]) => {
    try {
      validatePromQL(code, '<runbook>', 'code');
    } catch {
      return [];
    }
    const expression = /[({[]/.test(code);
    return listMetricNames(code).filter((m) => expression ? /[_:]/.test(m) : /:|_(total|count|bucket|bytes|seconds|score)$/.test(m));
  });
}

const RUNBOOKS = path.join(__dirname, '../../docs/runbooks');
/** The metrics each runbook names, by file. */
const runbookMetrics = fs.readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md')).map((f) => [f, metricsOf(fs.readFileSync(path.join(RUNBOOKS, f), 'utf8'))] as const);

/** The number each rule of `alert` compares with at the end of its expression (`... > 0.25`). */
function alertThresholds(objects: ReadonlyArray<Manifest>, alert: string): number[] {
  const found = ofKind(objects, 'PrometheusRule').flatMap((o) => spec<RuleSpec>(o).groups.flatMap((g) => g.rules))
    // Per-tenant copies end in `> <number>`; the shared copy compares with the default in its join.
    .filter((r) => r.alert === alert).map((r) => Number((/>=? ([0-9.]+)$/.exec(r.expr) ?? /\) \* ([0-9.]+)\) unless on\(tenant\)/.exec(r.expr))?.[1]));
  expect(found.length).toBeGreaterThan(0);
  return found;
}

/** The red threshold step of every sidecar dashboard panel that queries `metric`. */
function redLines(objects: ReadonlyArray<Manifest>, metric: string): Array<number | null | undefined> {
  const found = ofKind(objects, 'ConfigMap').filter((o) => o.metadata.labels?.[DASHBOARD_SIDECAR_LABEL] === '1')
    .flatMap((o) => Object.values(o.data as Record<string, string>).map((json) => JSON.parse(json) as Dashboard))
    .flatMap((d) => listDashboardPanels(d) as Panel[])
    .filter((p) => (p.targets ?? []).some((t) => listMetricNames((t as { expr?: string }).expr ?? '').includes(metric)))
    .map((p) => p.fieldConfig?.defaults?.thresholds?.steps?.find((st) => st.color === 'red')?.value);
  expect(found.length).toBeGreaterThan(0);
  return found;
}

const environments = ENVIRONMENT_NAMES.map((name) => [name, synthEnvironment(name)] as const);

describe.each(environments)('the %s environment', (name, env) => {
  const catalogue = MetricCatalogue.of(env.app);

  test('reads PromQL from rules, dashboards, autoscalers and job configs', () => {
    const kinds = new Set(readsOf(env.objects).map((r) => r.where.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['ConfigMap', 'PrometheusRule', 'ScaledObject']);
    const where = readsOf(env.objects).map((r) => r.where);
    expect(where.some((w) => w.includes('anomaly.json series'))).toBe(true);
    expect(where.some((w) => w.includes('drift.json features'))).toBe(true);
    expect(where.some((w) => w.includes(' panel '))).toBe(true);
  });

  test('every metric read is produced by the catalogue or a recording rule', () => {
    expect(unproducedReads(env.objects, catalogue)).toEqual([]);
  });

  test('every recording rule name follows level:metric:operations', () => {
    expect([...recordedBy(env.objects)].filter((r) => !/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/.test(r))).toEqual([]);
  });

  test('fails a deliberately broken copy with the object, the rule and the metric', () => {
    const broken = structuredClone(env.objects) as Manifest[];
    const rules = ofKind(broken, 'PrometheusRule').find((o) => o.metadata.namespace === 'acme-ai')!;
    const rule = (rules.spec as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups[0].rules[0];
    rule.expr = 'sum(rate(nonexistent_metric_total{tenant="acme-ai"}[5m])) > 0';
    expect(unproducedReads(broken, catalogue)).toEqual([
      'PrometheusRule acme-ai/tenant-rules groups[0](tenant-baseline).rules[0](TenantTargetDown): reads nonexistent_metric_total, which no rule, job, exporter or application convention produces',
    ]);
  });

  test('the anomaly job, the alert and the dashboard read one anomaly score threshold: the profile\'s', () => {
    const jobs = ofKind(env.objects, 'ConfigMap').flatMap((o) => {
      const json = (o.data as Record<string, string> | undefined)?.['anomaly.json'];
      return json ? [(JSON.parse(json) as { threshold: number }).threshold] : [];
    });
    expect(jobs.length).toBeGreaterThan(0);
    const alerts = alertThresholds(env.objects, 'MlAnomalyScoreSustained');
    const panels = redLines(env.objects, 'ml_anomaly_score');
    expect(new Set([...jobs, ...alerts, ...panels])).toEqual(new Set([ENVIRONMENTS[name].thresholds.anomalyScore]));
  });

  test('the drift alert and the dashboard read one drift score threshold: the profile\'s', () => {
    const alerts = alertThresholds(env.objects, 'MlFeatureDriftScoreHigh');
    const panels = redLines(env.objects, 'ml_drift_score');
    expect(new Set([...alerts, ...panels])).toEqual(new Set([ENVIRONMENTS[name].thresholds.driftScore]));
  });
});

test('every exporter and application metric of the catalogue is read by a rule, dashboard, autoscaler, job or runbook (no stale entries)', () => {
  // The built-in profiles scrape no control-plane component; the control-plane alerts read the rest.
  const controlPlane = platformRuleGroups({ ...PROD, scrapedControlPlane: CONTROL_PLANE_COMPONENTS }).flatMap((g) => g.rules.map((r) => r.expr));
  const read = new Set([
    ...environments.flatMap(([, env]) => readsOf(env.objects).flatMap((r) => listMetricNames(r.expr))),
    ...controlPlane.flatMap(listMetricNames),
    ...runbookMetrics.flatMap(([, metrics]) => metrics),
  ]);
  // What the jobs push is their output: reading all of it is not required.
  const stale = DOCUMENTED_METRICS.filter((m) => m.exporter !== 'ml-drift-job' && m.exporter !== 'ml-anomaly-job' && !read.has(m.name)).map((m) => m.name);
  expect(stale).toEqual([]);
});

describe('runbooks', () => {
  const catalogue = MetricCatalogue.of(environments[0][1].app);
  const recorded = new Set(environments.flatMap(([, env]) => [...recordedBy(env.objects)]));

  test('name only metrics of the catalogue or recorded by a rule', () => {
    const unknown = runbookMetrics.flatMap(([f, metrics]) => metrics.filter((m) => !catalogue.has(m) && !recorded.has(m)).map((m) => `${f}: ${m}`));
    expect(unknown).toEqual([]);
  });

  test('the check catches a runbook naming a metric nobody produces', () => {
    expect(metricsOf('- `increase(auth_failures_total[5m])` by source').filter((m) => !catalogue.has(m))).toEqual(['auth_failures_total']);
  });
});
