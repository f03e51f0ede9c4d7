import { HttpPolicy } from '../../ml/model';
import { badInput, sourceUnreachable } from './errors';
import { fetchWithRetry, HttpFailure } from './http';

/** One series of an instant query result. */
export interface VectorSample {
  /** The series labels. */
  readonly metric: Readonly<Record<string, string>>;
  /** The value (Prometheus sends it as a string; `NaN`/`+Inf` are kept as numbers). */
  readonly value: number;
}

/** One series of a range query result. */
export interface MatrixSeries {
  /** The series labels. */
  readonly metric: Readonly<Record<string, string>>;
  /** Sample timestamps in seconds. */
  readonly timestamps: Float64Array;
  /** Sample values. */
  readonly values: Float64Array;
}

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** A minimal client of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`). */
export class PrometheusClient {
  /**
   * @param url base URL (e.g. `http://prometheus:9090`)
   * @param policy timeout and retry policy per request
   */
  constructor(
    private readonly url: string,
    private readonly policy: HttpPolicy,
  ) {}

  /** Evaluate `query` at `timeSeconds`; the result must be an instant vector. */
  public async query(query: string, timeSeconds: number): Promise<VectorSample[]> {
    const data = await this.call('query', { query, time: String(timeSeconds) }, 'vector');
    return (data as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric ?? {}, value: Number(r.value[1]) }));
  }

  /** Evaluate `query` over `[start, end]` every `stepSeconds`; the result must be a range vector. */
  public async queryRange(query: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<MatrixSeries[]> {
    const data = await this.call('query_range', { query, start: String(startSeconds), end: String(endSeconds), step: String(stepSeconds) }, 'matrix');
    return (data as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((r) => ({
      metric: r.metric ?? {},
      timestamps: Float64Array.from(r.values, (v) => v[0]),
      values: Float64Array.from(r.values, (v) => Number(v[1])),
    }));
  }

  private async call(endpoint: string, params: Record<string, string>, resultType: string): Promise<unknown[]> {
    const url = `${this.url.replace(/\/+$/, '')}/api/v1/${endpoint}`;
    let res: Response;
    try {
      res = await fetchWithRetry(url, { method: 'POST', body: new URLSearchParams(params), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, this.policy);
    } catch (e) {
      if (e instanceof HttpFailure) throw sourceUnreachable(`Prometheus is unreachable: ${e.message}`);
      throw e;
    }
    const text = await res.text();
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw sourceUnreachable(`Prometheus answered ${url} with HTTP ${res.status} and a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (answer.status !== 'success') {
      // 4xx with an error body: Prometheus rejected the query itself (bad_data), so retrying cannot help.
      throw badInput(`Prometheus rejected the query ${JSON.stringify(params.query)}: ${answer.errorType ?? `HTTP ${res.status}`}: ${answer.error ?? text.slice(0, 200)}`);
    }
    if (answer.data?.resultType !== resultType || !Array.isArray(answer.data.result)) {
      throw badInput(`Prometheus returned a ${answer.data?.resultType ?? 'missing'} result for ${JSON.stringify(params.query)}; expected a ${resultType}`);
    }
    return answer.data.result;
  }
}

/** Quote a label value for a PromQL matcher. */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}
