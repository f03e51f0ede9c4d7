import {
  buildIndexSetupPlan,
  COMPONENT_TEMPLATES,
  DEFAULT_RETENTION_DAYS,
  ElasticIndicesSpec,
  ilmPolicy,
  IndexSetupStep,
  parseIndexSetupPlan,
  renderIndexSetupPlan,
  stepPath,
  stepPlanHash,
  TEMPLATE_PRIORITY,
} from '../../src/logging/model';
import { traceIndexPrefix } from '../../src/tracing/model';
import { DEV, PROD, STAGING } from '../../src/core/environment';

const spec: ElasticIndicesSpec = {
  environment: 'prod',
  retentionDays: DEFAULT_RETENTION_DAYS.prod,
  tenants: [{ tenant: 'acme' }, { tenant: 'globex', retentionDays: { app: 7, audit: 180 } }],
  traceIndexPrefix,
};
const plan = buildIndexSetupPlan(spec);
const find = <K extends IndexSetupStep['kind']>(kind: K, name: string): Extract<IndexSetupStep, { kind: K }> =>
  plan.steps.find((s) => s.kind === kind && s.request.name === name) as Extract<IndexSetupStep, { kind: K }>;

describe('buildIndexSetupPlan', () => {
  test('orders policies, component templates, index templates, then data streams', () => {
    const kinds = plan.steps.map((s) => s.kind);
    const firstOf = (k: IndexSetupStep['kind']): number => kinds.indexOf(k);
    const lastOf = (k: IndexSetupStep['kind']): number => kinds.lastIndexOf(k);
    expect(lastOf('ilm_policy')).toBeLessThan(firstOf('component_template'));
    expect(lastOf('component_template')).toBeLessThan(firstOf('index_template'));
    expect(lastOf('index_template')).toBeLessThan(firstOf('data_stream'));
    expect(plan.steps.filter((s) => s.kind === 'data_stream').map((s) => s.request.name))
      .toEqual(['logs-acme-app', 'logs-acme-audit', 'logs-globex-app', 'logs-globex-audit']);
  });

  test('takes retention from the environment and lets a tenant override it', () => {
    const deleteAfter = (name: string): string | undefined => find('ilm_policy', name).request.policy?.phases.delete?.min_age as string | undefined;
    expect([deleteAfter('tm-acme-app'), deleteAfter('tm-acme-audit'), deleteAfter('tm-acme-traces')]).toEqual(['30d', '365d', '7d']);
    expect([deleteAfter('tm-globex-app'), deleteAfter('tm-globex-audit'), deleteAfter('tm-globex-traces')]).toEqual(['7d', '180d', '7d']);
  });

  test('rolls data streams over in the hot phase, but not the daily Jaeger indices', () => {
    expect(find('ilm_policy', 'tm-acme-app').request.policy?.phases.hot?.actions?.rollover).toEqual({ max_age: '1d', max_primary_shard_size: '50gb' });
    expect(find('ilm_policy', 'tm-acme-traces').request.policy?.phases.hot?.actions?.rollover).toBeUndefined();
  });

  test('has hot, warm and delete phases, and drops warm when data is deleted before it', () => {
    expect(Object.keys(ilmPolicy({ deleteAfterDays: 30, warmAfterDays: 2, rollover: true }).phases)).toEqual(['hot', 'warm', 'delete']);
    expect(Object.keys(ilmPolicy({ deleteAfterDays: 2, warmAfterDays: 2, rollover: true }).phases)).toEqual(['hot', 'delete']);
  });

  test('pins each tenant data stream to its template, policy and tenant value', () => {
    expect(find('index_template', 'tm-acme-audit').request).toMatchObject({
      index_patterns: ['logs-acme-audit'],
      data_stream: {},
      priority: TEMPLATE_PRIORITY,
      composed_of: [COMPONENT_TEMPLATES.audit],
      template: {
        settings: { index: { lifecycle: { name: 'tm-acme-audit' } } },
        mappings: { properties: { tenant: { type: 'constant_keyword', value: 'acme' } } },
      },
    });
    expect(TEMPLATE_PRIORITY).toBeGreaterThan(100);
  });

  test('matches the Jaeger collector index prefix for traces', () => {
    expect(find('index_template', 'tm-acme-traces').request).toMatchObject({
      index_patterns: ['jaeger-acme-jaeger-span-*', 'jaeger-acme-jaeger-service-*'],
      composed_of: [COMPONENT_TEMPLATES.traceSpans, COMPONENT_TEMPLATES.traceServices],
    });
    expect(find('index_template', 'tm-acme-traces').request.data_stream).toBeUndefined();
  });

  test('records a hash of each desired body, which changes with the body and only with it', () => {
    const again = buildIndexSetupPlan(spec);
    expect(again.steps.map(stepPlanHash)).toEqual(plan.steps.map(stepPlanHash));
    const longer = buildIndexSetupPlan({ ...spec, tenants: [{ tenant: 'acme', retentionDays: { app: 20 } }] });
    const hash = (p: typeof plan, name: string): string | undefined => stepPlanHash(p.steps.find((s) => s.request.name === name)!);
    expect(hash(longer, 'tm-acme-app')).not.toBe(hash(plan, 'tm-acme-app'));
    expect(hash(longer, 'tm-acme-audit')).toBe(hash(plan, 'tm-acme-audit'));
  });

  test('renders a plan the program parses back', () => {
    expect(parseIndexSetupPlan(renderIndexSetupPlan(plan))).toEqual(plan);
    expect(plan.steps.map(stepPath).slice(0, 1)).toEqual(['_ilm/policy/tm-acme-app']);
  });

  test('matches its snapshot', () => {
    expect(buildIndexSetupPlan({ ...spec, tenants: [{ tenant: 'acme' }] })).toMatchSnapshot();
  });
});

describe('GDPR and input checks', () => {
  test.each([
    ['on tenant audit retention above the GDPR audit limit', { ...spec, tenants: [{ tenant: 'acme', retentionDays: { audit: 400 } }] },
      "tenant 'acme': audit retention of 400 days exceeds the GDPR audit limit of 365 days"],
    ['on application logs kept longer than the personal-data limit', { ...spec, tenants: [{ tenant: 'acme', retentionDays: { app: 31 } }] },
      "tenant 'acme': app retention of 31 days exceeds the GDPR personal-data limit of 30 days"],
    ['on traces kept longer than a stricter personal-data limit', { ...spec, gdpr: { personalDataMaxDays: 10 }, tenants: [{ tenant: 'acme', retentionDays: { app: 5 } }] },
      "environment 'prod': app retention of 30 days exceeds the GDPR personal-data limit of 10 days"],
    ['on an environment audit retention above a stricter audit limit', { ...spec, gdpr: { auditMaxDays: 180 } },
      "environment 'prod': audit retention of 365 days exceeds the GDPR audit limit of 180 days"],
    ['on a retention of zero days', { ...spec, tenants: [{ tenant: 'acme', retentionDays: { traces: 0 } }] },
      "tenant 'acme': traces retention 0 must be a whole number of days, at least 1"],
    ['on a tenant that is not a DNS label', { ...spec, tenants: [{ tenant: 'ACME' }] }, "ElasticIndicesSpec.tenants: 'ACME' is not a DNS label"],
    ['on a tenant listed twice', { ...spec, tenants: [{ tenant: 'acme' }, { tenant: 'acme' }] }, "ElasticIndicesSpec.tenants: tenant 'acme' is listed twice"],
  ])('fails %s', (_, bad, message) => {
    expect(() => buildIndexSetupPlan(bad)).toThrow(message);
  });

  test.each([
    ['on text that is not JSON', '{', /^plan is not JSON: /],
    ['on a wrong version', '{"version":2,"steps":[]}', /^plan must be an object with version 1 and a steps array$/],
    ['on an unknown step kind', '{"version":1,"steps":[{"kind":"index","request":{"name":"x"}}]}', /^plan step 0: kind must be ilm_policy, component_template, index_template or data_stream, with a request naming the object$/],
  ])('parseIndexSetupPlan fails %s', (_, text, message) => {
    expect(() => parseIndexSetupPlan(text)).toThrow(message);
  });
});

describe('DEFAULT_RETENTION_DAYS', () => {
  test('is the retention of the built-in profiles', () => {
    expect(DEFAULT_RETENTION_DAYS).toEqual({
      dev: { app: DEV.retention.logsDays, audit: DEV.retention.auditDays, traces: DEV.retention.tracesDays },
      staging: { app: STAGING.retention.logsDays, audit: STAGING.retention.auditDays, traces: STAGING.retention.tracesDays },
      prod: { app: PROD.retention.logsDays, audit: PROD.retention.auditDays, traces: PROD.retention.tracesDays },
    });
  });
});
