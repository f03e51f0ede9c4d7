import { HttpPolicy } from '../../ml/model';
import { exponentialDelay, retry, RetryFailure } from '../retry';

/** How a request failed after all attempts. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    /** The HTTP status of the last answer, when there was one. */
    public readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

/** Answers worth retrying: the server is overloaded or temporarily broken. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * `fetch` with the policy's timeout per attempt and bounded retries (exponential backoff) on
 * connection errors, timeouts, 429 and 5xx. Returns the first answer that is not retryable (the
 * caller checks its status); throws {@link HttpFailure} when every attempt failed.
 */
export async function fetchWithRetry(url: string, init: RequestInit, policy: HttpPolicy): Promise<Response> {
  try {
    return (await retry(async () => {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      if (retryable(res.status)) throw new HttpFailure(`HTTP ${res.status} ${(await res.text()).trim().slice(0, 200)}`.trim(), res.status);
      return res;
    }, { attempts: policy.attempts, delayMs: exponentialDelay(policy.backoffMs), retriable: () => true })).value;
  } catch (e) {
    const { error } = e as RetryFailure;
    const last = error instanceof HttpFailure ? error.message : describeFetchError(error);
    const method = init.method ?? 'GET';
    throw new HttpFailure(`${method} ${url} failed after ${policy.attempts} attempt${policy.attempts > 1 ? 's' : ''}: ${last}`, error instanceof HttpFailure ? error.status : undefined);
  }
}

function describeFetchError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = err.cause;
  return cause?.message ?? cause?.code ?? err.message ?? String(e);
}
