import { TenantSpec } from '../src/core/tenant';

/** The example tenants every environment hosts. */
export const EXAMPLE_TENANTS: ReadonlyArray<TenantSpec> = [
  {
    id: 'acme-ai',
    displayName: 'Acme AI',
    tier: 'premium',
    contacts: { team: 'acme-platform', email: 'oncall@acme.example', slackChannel: '#acme-alerts' },
    quotas: { requestsCpu: '16', requestsMemory: '32Gi', limitsCpu: '32', limitsMemory: '64Gi', pods: 200 },
  },
  {
    id: 'globex-ml',
    displayName: 'Globex ML',
    tier: 'standard',
    contacts: { team: 'globex-ml', email: 'ml-team@globex.example', slackChannel: '#globex-ml-alerts' },
  },
];
