import { exponentialDelay, retry, RetryFailure } from '../../src/runtime/retry';

/** The RetryFailure a retried operation ends with (failing the test when it succeeds instead). */
async function failureOf(run: Promise<unknown>): Promise<RetryFailure> {
  const outcome = await run.then(() => new Error('expected the operation to fail'), (e: unknown) => e);
  if (!(outcome instanceof RetryFailure)) throw outcome;
  return outcome;
}

describe('retry', () => {
  const sleeps: number[] = [];
  const sleep = async (ms: number): Promise<void> => { sleeps.push(ms); };
  beforeEach(() => { sleeps.length = 0; });

  test('retries what is retriable with exponential backoff, then succeeds', async () => {
    let calls = 0;
    const r = await retry(async () => { if (++calls < 4) throw new Error('busy'); return 'ok'; },
      { attempts: 5, delayMs: exponentialDelay(100, 300), retriable: () => true, sleep });
    expect(r).toEqual({ value: 'ok', attempts: 4 });
    expect(sleeps).toEqual([100, 200, 300]);
  });

  test('gives up after the last attempt, saying so', async () => {
    const failure = await failureOf(retry(async () => { throw new Error('busy'); }, { attempts: 3, delayMs: () => 1, retriable: () => true, sleep }));
    expect([failure.attempts, failure.exhausted, (failure.error as Error).message]).toEqual([3, true, 'busy']);
    expect(sleeps).toEqual([1, 1]);
  });

  test('does not retry what is not retriable', async () => {
    const onRetry = jest.fn();
    const failure = await failureOf(retry(async () => { throw new Error('forbidden'); }, { attempts: 5, delayMs: () => 1, retriable: () => false, sleep, onRetry }));
    expect([failure.attempts, failure.exhausted]).toEqual([1, false]);
    expect(onRetry).not.toHaveBeenCalled();
    expect(sleeps).toEqual([]);
  });
});
