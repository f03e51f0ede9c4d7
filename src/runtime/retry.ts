/** How a retried operation backs off. */
export interface BackoffPolicy {
  /** Total tries, the first included. */
  readonly attempts: number;
  /** The wait before retry number `retry` (1 for the first retry), in milliseconds; `error` is the failure being retried. */
  readonly delayMs: (retry: number, error: unknown) => number;
  /** Whether an error is worth another try (others are thrown at once). */
  readonly retriable: (error: unknown) => boolean;
  /** Sleep function (tests pass a fake). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called before each retry. @default - nothing */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** An operation that failed for good: its last error, how many tries it took, and whether retries ran out. */
export class RetryFailure extends Error {
  constructor(
    /** The last error. */
    public readonly error: unknown,
    /** Tries made. */
    public readonly attempts: number,
    /** True when the error was retriable but every try was used; false when it was not worth retrying. */
    public readonly exhausted: boolean,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'RetryFailure';
  }
}

/** `base * 2^(retry-1)`, at most `max`: the usual exponential backoff. */
export function exponentialDelay(baseMs: number, maxMs: number = Number.POSITIVE_INFINITY): (retry: number) => number {
  return (retry) => Math.min(maxMs, baseMs * 2 ** (retry - 1));
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run `op` until it succeeds, retrying the errors `policy.retriable` accepts with the policy's
 * backoff. The one retry loop of the runtime programs (Prometheus and Pushgateway requests,
 * Elasticsearch setup, Kubernetes API calls); each caller words its own errors from the
 * `RetryFailure` it throws.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, policy: BackoffPolicy): Promise<{ value: T; attempts: number }> {
  const sleep = policy.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await op(attempt), attempts: attempt };
    } catch (e) {
      if (!policy.retriable(e)) throw new RetryFailure(e, attempt, false);
      if (attempt >= policy.attempts) throw new RetryFailure(e, attempt, true);
      const delay = policy.delayMs(attempt, e);
      policy.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}
