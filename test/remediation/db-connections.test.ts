/**
 * "Optimise database connections": the PostgreSQL connection-saturation alert, evaluated by
 * promtool in the aggregated layout the platform deploys, carries the labels a remediation policy
 * rule matches on; the rule runs the tenant's connection maintenance Job in the tenant's own
 * namespace, and refuses an alert naming another tenant's namespace.
 */
import { PROD } from '../../src/core/environment';
import { aggregatedTenantRuleGroups } from '../../src/prometheus/aggregated';
import { renderRuleGroups } from '../../src/prometheus/model';
import { OPTIMISE_DB_CONNECTIONS_ACTION } from '../../src/prometheus/packs';
import { findRule, parsePolicy, resolveTarget, targetKey } from '../../src/remediation/policy';
import { jobFromTemplate } from '../../src/runtime/remediation/manifests';
import { DATASTORE_FIXTURES } from '../prometheus/packs/fixtures-datastores';
import { runPromtool } from '../prometheus/packs/promtool';

const ALERT = 'PostgresConnectionsSaturated';
const groups = renderRuleGroups(aggregatedTenantRuleGroups(PROD)).filter((g) => g.name === 'tenants-postgres');
const rule = groups[0]?.rules.find((r) => r.alert === ALERT);

const policy = parsePolicy(`
safety: { dryRun: false, allowedNamespaces: [acme, globex], namespaceTenants: { acme: acme, globex: globex } }
jobTemplates:
  optimise-db-connections:
    image: docker.io/library/postgres:17.6
    command: [psql, -c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle' AND state_change < now() - interval '10 minutes' AND usename = current_user"]
    env: { PGHOST: postgres, PGDATABASE: app }
    serviceAccountName: db-maintenance
rules:
  - { name: restart-crashloop, match: ['remediation_action="restart"'], action: { type: restart } }
  - { name: optimise-db-connections, match: ['remediation_action="${OPTIMISE_DB_CONNECTIONS_ACTION}"', 'alertname="${ALERT}"'], action: { type: run-job, template: optimise-db-connections } }
`);

test('the connection-saturation alert requests the connection maintenance action', () => {
  expect(rule?.labels).toEqual({ remediation_action: OPTIMISE_DB_CONNECTIONS_ACTION, severity: 'warning' });
});

test('promtool: the shared rule fires for the tenant with the labels the policy reads (tenant, namespace)', () => {
  const f = DATASTORE_FIXTURES[ALERT];
  const out = runPromtool(groups, [
    { name: 'fires', alert: ALERT, interval: f.interval, series: f.firing, expect: [{ evalTime: f.evalTime, alerts: [{ tenant: 'acme', namespace: 'acme', instance: 'postgres-0:9187' }] }] },
    { name: 'silent', alert: ALERT, interval: f.interval, series: f.silent, expect: [{ evalTime: f.evalTime, alerts: [] }] },
  ]);
  expect(out).toContain('SUCCESS');
});

test('the alert reaches the run-job rule, and the Job runs in the tenant\'s namespace only', () => {
  const labels = { ...rule?.labels, alertname: ALERT, tenant: 'acme', namespace: 'acme', instance: 'postgres-0:9187' };
  const matched = findRule(policy, labels);
  expect(matched?.action).toEqual({ type: 'run-job', template: 'optimise-db-connections' });
  const target = matched !== undefined ? resolveTarget(policy, matched, labels) : undefined;
  expect(target).toEqual({ ok: true, target: { kind: 'namespace', namespace: 'acme' } });
  if (matched === undefined || target === undefined || !target.ok) throw new Error('no target');
  expect(targetKey(target.target, matched)).toBe('Job/acme/optimise-db-connections');
  const job = jobFromTemplate('acme', 'optimise-db-connections', policy.jobTemplates['optimise-db-connections'], 'fingerprint-1', labels) as unknown as {
    metadata: { namespace: string }; spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } } };
  };
  expect(job.metadata.namespace).toBe('acme');
  expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'REMEDIATION_ALERTNAME', value: ALERT });
  // The same alert claiming another tenant's namespace is refused.
  expect(resolveTarget(policy, matched, { ...labels, namespace: 'globex' })).toMatchObject({ ok: false });
});
