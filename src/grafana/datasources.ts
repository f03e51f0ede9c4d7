import { ValidationError } from '../core/errors';
import { stringify } from 'yaml';
import type { GrafanaDatasourceSpec, GrafanaDatasourceSpecValuesFrom } from '../../imports/grafanadatasource-grafana.integreatly.org';
import { fitGrafanaUid } from './model';

/** A key of a Kubernetes Secret, and the environment variable Grafana's pod exposes it as. */
export interface SecretValueRef {
  /** Secret name. */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
  /**
   * Environment variable holding the value in Grafana's container (provisioning files interpolate `${NAME}`).
   * @default - the key upper-cased, non-alphanumerics replaced by `_`, prefixed `GF_DS_`
   */
  readonly envName?: string;
}

/** A custom HTTP header Grafana sends with every request of a datasource, e.g. `X-Scope-OrgID` for a tenant. */
export interface DatasourceHeader {
  /** Header name. */
  readonly name: string;
  /** A plain value (such as a tenant id, not a secret) or a Secret reference for credentials. */
  readonly value: string | SecretValueRef;
}

/** The kinds of datasource the platform provisions. */
export type DatasourceKind = 'prometheus' | 'alertmanager' | 'jaeger' | 'elasticsearch';

/** A Grafana datasource, typed; render it with {@link renderDatasourceProvisioning} or {@link toGrafanaOperatorDatasource}. */
export interface DatasourceSpec {
  /** Kind. */
  readonly kind: DatasourceKind;
  /** Display name, unique in the Grafana organisation. */
  readonly name: string;
  /** UID (dashboards reference it), at most 40 characters. */
  readonly uid: string;
  /** URL Grafana's backend calls. */
  readonly url: string;
  /** Whether this is the organisation's default datasource. */
  readonly isDefault: boolean;
  /** Plugin settings (`jsonData`), without the header entries. */
  readonly jsonData: Readonly<Record<string, string | number | boolean>>;
  /** Headers sent with each request (rendered as `httpHeaderName<n>` / `httpHeaderValue<n>`). */
  readonly headers: readonly DatasourceHeader[];
  /**
   * Basic authentication: user and password Secret.
   * @default - no basic authentication
   */
  readonly basicAuth?: { readonly user: string; readonly password: SecretValueRef };
  /**
   * The CA certificate (PEM) that signed the server's certificate, for HTTPS services whose CA
   * is not in Grafana's trust store (an in-cluster Elasticsearch).
   * @default - the system trust store
   */
  readonly tlsCa?: SecretValueRef;
}

/** Options shared by every datasource factory. */
export interface DatasourceOptions {
  /** Display name. */
  readonly name: string;
  /**
   * UID.
   * @default - derived from the name
   */
  readonly uid?: string;
  /** URL. */
  readonly url: string;
  /**
   * Make this the default datasource.
   * @default false
   */
  readonly isDefault?: boolean;
  /**
   * Tenant whose data this datasource reads: adds the `X-Scope-OrgID` header with the tenant id (Mimir, Cortex,
   * Loki and Thanos use it to pick the tenant in shared long-term storage).
   * @default - no tenant header
   */
  readonly tenant?: string;
  /**
   * More headers.
   * @default - none
   */
  readonly headers?: readonly DatasourceHeader[];
  /**
   * Basic authentication.
   * @default - none
   */
  readonly basicAuth?: { readonly user: string; readonly password: SecretValueRef };
  /**
   * The CA certificate (PEM) that signed the server's certificate; needs an `https://` URL.
   * @default - the system trust store
   */
  readonly tlsCa?: SecretValueRef;
}

/** The header shared long-term metric stores read the tenant from. */
export const TENANT_HEADER = 'X-Scope-OrgID';

function base(kind: DatasourceKind, o: DatasourceOptions, jsonData: DatasourceSpec['jsonData']): DatasourceSpec {
  if (!/^https?:\/\/[^\s]+$/.test(o.url)) {
    throw new ValidationError(`datasource ${o.name}`, 'url', o.url, 'an absolute http:// or https:// URL');
  }
  const uid = o.uid ?? fitGrafanaUid(o.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, ''));
  if (!/^[a-zA-Z0-9_-]{1,40}$/.test(uid)) {
    throw new ValidationError(`datasource ${o.name}`, 'uid', uid, "a Grafana UID: 1-40 characters of a-z, A-Z, 0-9, '-' and '_'");
  }
  const headers = [...(o.tenant !== undefined ? [{ name: TENANT_HEADER, value: o.tenant }] : []), ...(o.headers ?? [])];
  const names = headers.map((h) => h.name.toLowerCase());
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) {
    throw new ValidationError(`datasource ${o.name}`, 'headers', repeated, 'each header name once (the tenant option sets X-Scope-OrgID)', 'set twice');
  }
  if (o.tlsCa !== undefined && !o.url.startsWith('https://')) {
    throw new ValidationError(`datasource ${o.name}`, 'url', o.url, 'an https:// URL when tlsCa is set (the CA verifies a TLS server)');
  }
  return { kind, name: o.name, uid, url: o.url, isDefault: o.isDefault ?? false, jsonData, headers, basicAuth: o.basicAuth, tlsCa: o.tlsCa };
}

/** Factories for the platform's datasources. */
export const Datasource = {
  /** Prometheus (or a Prometheus-compatible store such as Mimir or Thanos). */
  prometheus(o: DatasourceOptions & { readonly scrapeInterval?: string }): DatasourceSpec {
    return base('prometheus', o, { httpMethod: 'POST', timeInterval: o.scrapeInterval ?? '30s' });
  },
  /** Alertmanager (Prometheus implementation). */
  alertmanager(o: DatasourceOptions): DatasourceSpec {
    return base('alertmanager', o, { implementation: 'prometheus', handleGrafanaManagedAlerts: false });
  },
  /** Jaeger query. */
  jaeger(o: DatasourceOptions): DatasourceSpec {
    return base('jaeger', o, {});
  },
  /** Elasticsearch over a data stream or index pattern (application logs, audit events). */
  elasticsearch(o: DatasourceOptions & { readonly index: string; readonly timeField?: string }): DatasourceSpec {
    return base('elasticsearch', o, { index: o.index, timeField: o.timeField ?? '@timestamp', logMessageField: 'message', logLevelField: 'log.level' });
  },
};

/** The environment variable a Secret value is exposed as in Grafana's container. */
export function secretEnvName(ref: SecretValueRef): string {
  return ref.envName ?? `GF_DS_${ref.key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A Secret key exposed as one environment variable of Grafana's container. */
export type DatasourceSecretEnv = SecretValueRef & { readonly envName: string };

/**
 * The Secret-backed environment variables Grafana's container needs for these datasources (for the construct): one
 * per Secret key, however many datasources use it, in order of first use.
 *
 * @throws ValidationError when one variable name would carry two different Secret keys.
 */
export function datasourceSecretEnv(specs: readonly DatasourceSpec[]): readonly DatasourceSecretEnv[] {
  const byName = new Map<string, DatasourceSecretEnv>();
  for (const s of specs) {
    const refs = [
      ...s.headers.map((h) => h.value).filter((v): v is SecretValueRef => typeof v !== 'string'),
      ...(s.basicAuth !== undefined ? [s.basicAuth.password] : []),
      ...(s.tlsCa !== undefined ? [s.tlsCa] : []),
    ];
    for (const ref of refs) {
      const env = { secretName: ref.secretName, key: ref.key, envName: secretEnvName(ref) };
      const seen = byName.get(env.envName);
      if (seen === undefined) {
        byName.set(env.envName, env);
      } else if (seen.secretName !== env.secretName || seen.key !== env.key) {
        throw new ValidationError(`datasource ${s.name}`, 'envName', env.envName,
          'an environment variable name not used for another Secret key (set envName on one of the references)',
          `already holds ${seen.secretName}/${seen.key}, here ${env.secretName}/${env.key}`);
      }
    }
  }
  return [...byName.values()];
}

/** One datasource as Grafana stores it, with how each secure value is filled in. */
interface RenderedDatasource {
  readonly body: Record<string, unknown>;
  readonly secrets: readonly { readonly path: string; readonly ref: SecretValueRef }[];
}

function renderOne(spec: DatasourceSpec, placeholder: (ref: SecretValueRef) => string): RenderedDatasource {
  const jsonData: Record<string, unknown> = { ...spec.jsonData };
  const secureJsonData: Record<string, string> = {};
  const secrets: { path: string; ref: SecretValueRef }[] = [];
  spec.headers.forEach((h, i) => {
    jsonData[`httpHeaderName${i + 1}`] = h.name;
    if (typeof h.value === 'string') {
      secureJsonData[`httpHeaderValue${i + 1}`] = h.value;
    } else {
      secureJsonData[`httpHeaderValue${i + 1}`] = placeholder(h.value);
      secrets.push({ path: `secureJsonData.httpHeaderValue${i + 1}`, ref: h.value });
    }
  });
  if (spec.basicAuth !== undefined) {
    secureJsonData.basicAuthPassword = placeholder(spec.basicAuth.password);
    secrets.push({ path: 'secureJsonData.basicAuthPassword', ref: spec.basicAuth.password });
  }
  if (spec.tlsCa !== undefined) {
    jsonData.tlsAuthWithCACert = true;
    secureJsonData.tlsCACert = placeholder(spec.tlsCa);
    secrets.push({ path: 'secureJsonData.tlsCACert', ref: spec.tlsCa });
  }
  const body: Record<string, unknown> = {
    name: spec.name,
    type: spec.kind,
    uid: spec.uid,
    access: 'proxy',
    url: spec.url,
    isDefault: spec.isDefault,
    editable: false,
    ...(spec.basicAuth !== undefined ? { basicAuth: true, basicAuthUser: spec.basicAuth.user } : {}),
    jsonData,
    ...(Object.keys(secureJsonData).length > 0 ? { secureJsonData } : {}),
  };
  return { body, secrets };
}

function checkUnique(specs: readonly DatasourceSpec[]): void {
  for (const field of ['name', 'uid'] as const) {
    const values = specs.map((s) => s[field]);
    const repeated = values.find((v, i) => values.indexOf(v) !== i);
    if (repeated !== undefined) {
      throw new ValidationError('datasources', field, repeated, `a ${field} not used by another datasource`, 'used twice');
    }
  }
  if (specs.filter((s) => s.isDefault).length > 1) {
    throw new ValidationError('datasources', 'isDefault', specs.filter((s) => s.isDefault).map((s) => s.name), 'at most one default datasource');
  }
}

/**
 * Render datasources to Grafana's provisioning file format (`apiVersion: 1`, `datasources: [...]`). Secret values
 * appear as `${ENV}` references that Grafana interpolates from its environment; nothing secret is written.
 */
export function renderDatasourceProvisioning(specs: readonly DatasourceSpec[]): string {
  checkUnique(specs);
  const datasources = specs.map((s) => renderOne(s, (ref) => `\${${secretEnvName(ref)}}`).body);
  return stringify({ apiVersion: 1, datasources });
}

/**
 * The spec of a grafana-operator v5 `GrafanaDatasource` for one datasource; Secret values are filled in by the
 * operator through `valuesFrom`.
 */
export function toGrafanaOperatorDatasource(spec: DatasourceSpec, instanceSelector: Readonly<Record<string, string>>): GrafanaDatasourceSpec {
  const rendered = renderOne(spec, (ref) => `\${${ref.key}}`);
  const valuesFrom: GrafanaDatasourceSpecValuesFrom[] = rendered.secrets.map((s) => ({
    targetPath: s.path,
    valueFrom: { secretKeyRef: { name: s.ref.secretName, key: s.ref.key } },
  }));
  return {
    instanceSelector: { matchLabels: { ...instanceSelector } },
    datasource: rendered.body,
    ...(valuesFrom.length > 0 ? { valuesFrom } : {}),
  };
}

/** The kinds of per-tenant datasource the platform provisions. */
export type TenantDatasourceKind = 'prometheus' | 'jaeger' | 'logs' | 'audit';

/** The UID of a tenant's datasource (`prometheus-acme`, `audit-acme`): one naming rule for the platform and the dashboards. */
export function tenantDatasourceUid(kind: TenantDatasourceKind, tenant: string): string {
  return fitGrafanaUid(`${kind}-${tenant}`);
}
