import { exponentialDelay, retry, RetryFailure } from '../retry';
import { Client, errors } from '@elastic/elasticsearch';
import { IndexSetupPlan, IndexSetupStep, stepPath, stepPlanHash } from '../../logging/model';

/** What applying one step did. */
export type StepOutcome = 'created' | 'updated' | 'unchanged';

/** Retry policy and output of {@link applyPlan}. */
export interface ApplyOptions {
  /** Tries per request, the first included (at least 1). */
  readonly maxAttempts: number;
  /** Delay before the first retry in milliseconds; it doubles on each retry. */
  readonly initialBackoffMs: number;
  /** Longest delay between two tries in milliseconds. */
  readonly maxBackoffMs: number;
  /** Receives one line per step and per retry. */
  readonly log: (line: string) => void;
  /**
   * Waits between tries.
   * @default - a timer
   */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A failure that retrying cannot fix (bad request, authentication, authorization) or that outlasted the retries. */
export class IndexSetupError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'IndexSetupError';
  }
}

/** Whether an error of the client is worth retrying: 5xx, 429, timeouts and connection failures are. */
export function isTransient(err: unknown): boolean {
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    return status === 429 || status >= 500;
  }
  return err instanceof errors.TimeoutError || err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof errors.ResponseError ? err.statusCode : undefined;
}

/** One sentence describing a failed request, with Elasticsearch's error type and reason when it sent them. */
export function describeError(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.body as { error?: { type?: string; reason?: string } | string } | undefined;
    const detail = typeof body?.error === 'object' ? `${body.error.type ?? 'error'}: ${body.error.reason ?? ''}` : typeof body?.error === 'string' ? body.error : err.message;
    return `${err.statusCode ?? '?'} (${detail})`;
  }
  if (err instanceof errors.TimeoutError) {
    return 'timeout';
  }
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function withRetries<T>(what: string, call: () => Promise<T>, opts: ApplyOptions): Promise<T> {
  try {
    return (await retry(call, {
      attempts: opts.maxAttempts,
      delayMs: exponentialDelay(opts.initialBackoffMs, opts.maxBackoffMs),
      retriable: isTransient,
      sleep: opts.sleep,
      onRetry: (err, attempt, delay) => opts.log(`retry ${what} in ${delay} ms (attempt ${attempt} of ${opts.maxAttempts}: ${describeError(err)})`),
    })).value;
  } catch (e) {
    const { error, attempts, exhausted } = e as RetryFailure;
    if (exhausted) throw new IndexSetupError(`${what} failed with ${describeError(error)} after ${attempts} attempts; giving up`);
    const status = statusOf(error);
    const hint = status === 401 ? ': check the credentials' : status === 403 ? ': the user lacks the manage_ilm / manage_index_templates / create_index privilege' : '';
    throw new IndexSetupError(`${what} failed with ${describeError(error)}; not retried${hint}`);
  }
}

/**
 * The `_meta.plan_hash` the server holds for a step's object, `undefined` when it holds the object without our
 * hash, `null` when the object does not exist. An answer without the expected fields counts as missing: the PUT
 * that follows is idempotent.
 */
async function currentHash(client: Client, step: IndexSetupStep): Promise<string | undefined | null> {
  const name = step.request.name;
  try {
    switch (step.kind) {
      case 'ilm_policy':
        return hashIn((await client.ilm.getLifecycle({ name }))[name]?.policy?._meta);
      case 'component_template':
        return hashIn((await client.cluster.getComponentTemplate({ name })).component_templates?.find((t) => t.name === name)?.component_template._meta);
      case 'index_template':
        return hashIn((await client.indices.getIndexTemplate({ name })).index_templates?.find((t) => t.name === name)?.index_template._meta);
      case 'data_stream':
        return (await client.indices.getDataStream({ name })).data_streams?.some((d) => d.name === name) === true ? undefined : null;
    }
  } catch (err) {
    if (statusOf(err) === 404) {
      return null;
    }
    throw err;
  }
}

function hashIn(meta: Record<string, unknown> | undefined): string | undefined {
  return typeof meta?.plan_hash === 'string' ? meta.plan_hash : undefined;
}

async function put(client: Client, step: IndexSetupStep): Promise<void> {
  switch (step.kind) {
    case 'ilm_policy':
      await client.ilm.putLifecycle(step.request);
      return;
    case 'component_template':
      await client.cluster.putComponentTemplate(step.request);
      return;
    case 'index_template':
      await client.indices.putIndexTemplate(step.request);
      return;
    case 'data_stream':
      await client.indices.createDataStream(step.request);
      return;
  }
}

/**
 * Apply one step idempotently: read the object, skip it when the server holds the plan's hash (or, for a data
 * stream, when it exists), PUT it otherwise.
 */
export async function applyStep(client: Client, step: IndexSetupStep, opts: ApplyOptions): Promise<StepOutcome> {
  const path = stepPath(step);
  const current = await withRetries(`GET ${path}`, () => currentHash(client, step), opts);
  if (current !== null && (step.kind === 'data_stream' || current === stepPlanHash(step))) {
    return 'unchanged';
  }
  await withRetries(`PUT ${path}`, () => put(client, step), opts);
  return current === null ? 'created' : 'updated';
}

/** Apply every step of a plan in order; stops at the first step that fails. */
export async function applyPlan(client: Client, plan: IndexSetupPlan, opts: ApplyOptions): Promise<Readonly<Record<StepOutcome, number>>> {
  const counts: Record<StepOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
  for (const step of plan.steps) {
    const outcome = await applyStep(client, step, opts);
    counts[outcome]++;
    opts.log(`${outcome} ${stepPath(step)}`);
  }
  return counts;
}
