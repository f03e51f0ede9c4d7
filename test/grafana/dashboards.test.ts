import { Dashboard, defaultDashboard, Panel, VariableHide, VariableType } from '@grafana/grafana-foundation-sdk/dashboard';
import { parser } from '@prometheus-io/lezer-promql';
import * as fc from 'fast-check';
import { ALL_DASHBOARDS } from '../../src/grafana/dashboards';
import {
  DashboardContext,
  dashboardUid,
  DOCUMENTED_METRICS,
  GRAFANA_UID_MAX_LENGTH,
  isTenantScopedMetric,
  listDashboardPanels,
  listDashboardQueries,
  renderDashboardJson,
  resolveDashboardContext,
  RULE_METRICS,
} from '../../src/grafana/model';
import { listMetricNames, listSelectors } from '../../src/prometheus/tenant-matcher';

const TENANT = 'acme';
const CONTEXTS: readonly DashboardContext[] = [{ tenant: TENANT }, {}];
const built = ALL_DASHBOARDS.flatMap((def) => CONTEXTS.map((ctx) => ({ def, ctx, dashboard: def.build(ctx) })));
const label = (b: (typeof built)[number]): string => `${b.def.name} (${b.ctx.tenant ?? 'platform'})`;

function withoutMethods(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutMethods);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v !== 'function').map(([k, v]) => [k, withoutMethods(v)]));
  }
  return value;
}

function hasErrorNode(expr: string): boolean {
  let error = false;
  parser.parse(expr).iterate({ enter: (n) => { error = error || n.type.isError; } });
  return error;
}

describe('every dashboard query', () => {
  test.each(built.map((b) => [label(b), b] as const))('%s: every panel query parses as PromQL', (_, b) => {
    const queries = listDashboardQueries(b.dashboard);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.filter((q) => hasErrorNode(q.expr))).toEqual([]);
  });

  test('the parser check catches a broken query', () => {
    expect(hasErrorNode('sum(rate(http_requests_total[5m])')).toBe(true);
  });

  test('reads only metrics produced by a rule of this project or a documented exporter', () => {
    const known = new Set([...RULE_METRICS.map((m) => m.name), ...DOCUMENTED_METRICS.map((m) => m.name)]);
    const read = new Map<string, string>();
    for (const b of built) {
      for (const q of listDashboardQueries(b.dashboard)) {
        for (const metric of listMetricNames(q.expr)) {
          read.set(metric, `${label(b)} / ${q.panel}`);
        }
      }
    }
    const unknown = [...read].filter(([metric]) => !known.has(metric)).map(([metric, where]) => `${metric} (${where})`);
    expect(unknown).toEqual([]);
    // Every selector names its metric, so nothing escapes the check above.
    const anonymous = built.flatMap((b) => listDashboardQueries(b.dashboard)).filter((q) => listSelectors(q.expr).some((s) => s.metric === undefined));
    expect(anonymous).toEqual([]);
    // Stale catalogue entries are checked over every reader (rules, dashboards, autoscalers, jobs) in test/wiring.
  });

  test('no metric is both recorded by a rule and documented as an exporter metric', () => {
    const rules = new Set(RULE_METRICS.map((m) => m.name));
    expect(DOCUMENTED_METRICS.filter((m) => rules.has(m.name))).toEqual([]);
    expect(new Set(DOCUMENTED_METRICS.map((m) => m.name)).size).toBe(DOCUMENTED_METRICS.length);
  });
});

describe('per-tenant dashboards', () => {
  const tenantBuilt = built.filter((b) => b.ctx.tenant === TENANT);

  test.each(tenantBuilt.map((b) => [b.def.name, b] as const))('%s: the tenant variable is a hidden constant', (_, b) => {
    const vars = b.dashboard.templating.list ?? [];
    expect(vars.map((v) => v.name)).toEqual(['tenant']);
    expect(vars[0]).toMatchObject({ type: VariableType.Constant, query: TENANT, hide: VariableHide.HideVariable });
  });

  test.each(tenantBuilt.map((b) => [b.def.name, b] as const))('%s: every query filters on tenant="$tenant"', (_, b) => {
    for (const q of listDashboardQueries(b.dashboard)) {
      const selectors = listSelectors(q.expr);
      const tenantSelectors = selectors.filter((s) => isTenantScopedMetric(s.metric));
      expect({ expr: q.expr, scoped: tenantSelectors.length > 0 }).toEqual({ expr: q.expr, scoped: true });
      for (const s of tenantSelectors) {
        expect({ expr: q.expr, tenant: s.matchers.filter((m) => m.label === 'tenant') })
          .toEqual({ expr: q.expr, tenant: [{ label: 'tenant', op: '=', value: '$tenant' }] });
      }
    }
  });

  test('the infrastructure dashboard leaves out node panels, whose series carry no tenant', () => {
    const tenant = built.find((b) => b.def.name === 'infrastructure' && b.ctx.tenant === TENANT)!;
    const platform = built.find((b) => b.def.name === 'infrastructure' && b.ctx.tenant === undefined)!;
    const titles = (d: typeof tenant.dashboard): string[] => listDashboardPanels(d).map((p) => p.title ?? '');
    expect(titles(platform.dashboard).filter((t) => !titles(tenant.dashboard).includes(t)))
      .toEqual(['Node CPU utilisation', 'Node memory utilisation', 'Node disk usage', 'Node network I/O']);
  });
});

describe('platform-wide dashboards', () => {
  test.each(built.filter((b) => b.ctx.tenant === undefined).map((b) => [b.def.name, b] as const))('%s: tenant is a multi-value query variable matched by regex', (_, b) => {
    expect(b.dashboard.templating.list?.[0]).toMatchObject({
      type: VariableType.Query, name: 'tenant', multi: true, includeAll: true, query: 'label_values(up, tenant)',
    });
    for (const q of listDashboardQueries(b.dashboard)) {
      for (const s of listSelectors(q.expr).filter((sel) => isTenantScopedMetric(sel.metric))) {
        expect(s.matchers).toContainEqual({ label: 'tenant', op: '=~', value: '$tenant' });
      }
    }
  });
});

describe('dashboard JSON', () => {
  test.each(built.map((b) => [label(b), b] as const))('%s: round-trips through JSON with the SDK schemaVersion', (_, b) => {
    const json = renderDashboardJson(b.dashboard);
    const copy = JSON.parse(json) as Dashboard;
    // JSON keeps every value of the model; only the SDK's query-variant marker methods are not data.
    expect(copy).toEqual(withoutMethods(b.dashboard));
    expect(renderDashboardJson(copy)).toBe(json);
    expect(b.dashboard.schemaVersion).toBe(defaultDashboard().schemaVersion);
  });

  test.each(built.map((b) => [label(b), b] as const))('%s: panel ids are unique and fit a CRD annotation (256 KiB)', (_, b) => {
    const ids = (b.dashboard.panels ?? []).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Buffer.byteLength(renderDashboardJson(b.dashboard))).toBeLessThan(256 * 1024);
  });

  const PANELS: Record<string, number> = {
    'system-overview': 7, 'api-performance': 7, infrastructure: 8, 'machine-learning': 8, security: 6, 'business-kpis': 5, slo: 4,
  };
  test.each(ALL_DASHBOARDS.map((def) => [def.name, def] as const))('%s (tenant): snapshot, UID and panel count', (name, def) => {
    const dashboard = def.build({ tenant: TENANT });
    expect(dashboard.uid).toBe(`tm-${TENANT}_${name}`);
    expect(def.build({ tenant: TENANT }).uid).toBe(dashboard.uid);
    expect(dashboard.title).toBe(`${def.title} (${TENANT})`);
    expect(dashboard.tags).toEqual(['tenant-monitoring', name, `tenant:${TENANT}`]);
    expect(listDashboardPanels(dashboard)).toHaveLength(PANELS[name]!);
    expect(JSON.parse(renderDashboardJson(dashboard))).toMatchSnapshot();
  });

  test('the registry names every dashboard once', () => {
    expect(new Set(ALL_DASHBOARDS.map((d) => d.name)).size).toBe(ALL_DASHBOARDS.length);
    expect(ALL_DASHBOARDS.map((d) => d.build({}).uid)).toEqual(ALL_DASHBOARDS.map((d) => dashboardUid(d.name)));
  });
});

describe('dashboard UIDs', () => {
  const tenantArb = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  const names = ALL_DASHBOARDS.map((d) => d.name);

  test('are at most 40 characters and distinct for distinct tenant and dashboard pairs', () => {
    fc.assert(fc.property(tenantArb, tenantArb, fc.constantFrom(...names), fc.constantFrom(...names), (t1, t2, n1, n2) => {
      const a = dashboardUid(n1, t1);
      const b = dashboardUid(n2, t2);
      expect(a.length).toBeLessThanOrEqual(GRAFANA_UID_MAX_LENGTH);
      expect(a === b).toBe(t1 === t2 && n1 === n2);
      expect(dashboardUid(n1, t1)).not.toBe(dashboardUid(n1));
    }));
  });

  test('hash a long tenant id into the 40-character limit', () => {
    const tenant = 'a-very-long-tenant-name-for-the-research-division';
    const uid = dashboardUid('machine-learning', tenant);
    expect(uid).toHaveLength(40);
    expect(uid).toMatch(/^tm-a-very-long-tenant-name-for--[0-9a-f]{8}$/);
    expect(buildUid(tenant)).toBe(uid);
  });

  function buildUid(tenant: string): string | undefined {
    return ALL_DASHBOARDS.find((d) => d.name === 'machine-learning')!.build({ tenant }).uid;
  }
});

describe('dashboard context', () => {
  test.each([
    [{ tenant: 'Acme' }, `DashboardContext: tenant: got "Acme"; allowed: a DNS-1123 label: 1-63 characters of lower-case a-z, 0-9 and -, starting and ending with a letter or digit`],
    [{ thresholds: { errorRatio: 1.5 } }, `DashboardContext: thresholds.errorRatio: got 1.5; allowed: a ratio strictly between 0 and 1`],
    [{ thresholds: { uptimeTarget: 1 } }, `DashboardContext: thresholds.uptimeTarget: got 1; allowed: a ratio strictly between 0 and 1`],
    [{ thresholds: { latencySloSeconds: 0 } }, `DashboardContext: thresholds.latencySloSeconds: got 0; allowed: a positive number`],
    [{ datasources: { prometheus: 'has space' } }, `DashboardContext: datasources.prometheus: got "has space"; allowed: a Grafana UID: 1-40 characters of a-z, A-Z, 0-9, '-' and '_'`],
  ])('fails on %j', (ctx, message) => {
    expect(() => resolveDashboardContext(ctx)).toThrow(message);
    expect(() => ALL_DASHBOARDS[0]!.build(ctx)).toThrow(message);
  });

  test('thresholds reach the panels', () => {
    const d = ALL_DASHBOARDS.find((x) => x.name === 'api-performance')!.build({ tenant: TENANT, thresholds: { latencySloSeconds: 0.35 } });
    const p95 = listDashboardPanels(d).find((p) => p.title === 'Latency p95 per endpoint') as Panel;
    expect(p95.fieldConfig?.defaults.thresholds?.steps).toEqual([{ value: null, color: 'green' }, { value: 0.35, color: 'red' }]);
  });

  test('the datasource UIDs reach every target', () => {
    const d = ALL_DASHBOARDS.find((x) => x.name === 'security')!.build({ tenant: TENANT, datasources: { prometheus: 'mimir-acme', audit: 'audit-acme' } });
    const uids = listDashboardPanels(d).flatMap((p) => (p.targets ?? []).map((t) => (t as { datasource?: { uid?: string } }).datasource?.uid));
    expect(new Set(uids)).toEqual(new Set(['mimir-acme', 'audit-acme']));
  });
});
