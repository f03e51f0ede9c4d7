import { HttpPolicy, PushgatewayTarget } from '../../ml/model';
import { pushFailed } from './errors';
import { fetchWithRetry, HttpFailure } from './http';

/** One sample of a metric family. */
export interface Sample {
  /** Label names and values, in output order. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value. */
  readonly value: number;
}

/** A gauge with its samples. */
export interface MetricFamily {
  /** Metric name. */
  readonly name: string;
  /** One-line description (`# HELP`). */
  readonly help: string;
  /** The samples, in output order. */
  readonly samples: readonly Sample[];
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Render gauges in the Prometheus text exposition format (version 0.0.4). */
export function renderExposition(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} gauge\n`;
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
        .join(',');
      out += `${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}

/** The Pushgateway URL of a grouping key: `<base>/metrics/job/<job>/<label>/<value>...`. */
export function pushUrl(target: PushgatewayTarget, grouping: Readonly<Record<string, string>>): string {
  const base = target.url.replace(/\/+$/, '');
  const parts = [`job/${encodeURIComponent(target.job)}`, ...Object.entries(grouping).map(([k, v]) => `${k}/${encodeURIComponent(v)}`)];
  return `${base}/metrics/${parts.join('/')}`;
}

/**
 * Replace the metrics of one grouping key with `body` in a single PUT (so a group never holds a mix
 * of old and new results). Throws a push-failed {@link RunError} after the policy's retries.
 */
export async function pushToGateway(target: PushgatewayTarget, grouping: Readonly<Record<string, string>>, body: string, policy: HttpPolicy): Promise<void> {
  const url = pushUrl(target, grouping);
  let res: Response;
  try {
    res = await fetchWithRetry(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain; version=0.0.4' } }, policy);
  } catch (e) {
    if (e instanceof HttpFailure) throw pushFailed(`push to the Pushgateway failed: ${e.message}`);
    throw e;
  }
  if (res.status < 200 || res.status >= 300) {
    const text = (await res.text()).trim().slice(0, 300);
    throw pushFailed(`push to the Pushgateway failed: PUT ${url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }
}
