/**
 * Deduplication of alerts with bounded memory and a time to live.
 */
import { WebhookAlert } from './webhook';

/** Where an alert stands: being acted on, finished for good, or open to another try on redelivery. */
export type DedupState = 'in-flight' | 'done' | 'retryable';

/** Settings of `DedupStore`. */
export interface DedupOptions {
  /** Milliseconds an entry lives after it was last seen. @default 86_400_000 (24 h) */
  readonly ttlMs?: number;
  /** Most entries kept; the least recently seen are dropped first. @default 100_000 */
  readonly maxEntries?: number;
}

interface Entry {
  state: DedupState;
  expiresAt: number;
  groupKey: string;
}

/**
 * The identity of one alert: its fingerprint (the label set) and its start time, so an alert that
 * resolves and fires again is a new alert, while Alertmanager's repeated notifications of the same
 * alert (repeat_interval, retried deliveries, the same alert in another group) are recognised.
 */
export function alertKey(alert: WebhookAlert): string {
  return `${alert.fingerprint}@${alert.startsAt}`;
}

/**
 * Alerts seen recently. Every sighting refreshes the entry, so an alert that keeps firing stays
 * known as long as Alertmanager keeps repeating it within the TTL. Map insertion order gives LRU
 * eviction in O(1).
 */
export class DedupStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: DedupOptions = {}) {
    this.ttlMs = options.ttlMs ?? 86_400_000;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** State of the key (refreshing its TTL), or undefined when unknown or expired. */
  lookup(key: string, now: number): DedupState | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    this.set(key, e.state, e.groupKey, now);
    return e.state;
  }

  /** Record the key's state. */
  set(key: string, state: DedupState, groupKey: string, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { state, groupKey, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drop expired entries (called periodically; lookups also expire lazily). */
  prune(now: number): void {
    // The TTL is the same for every entry, so insertion order is expiry order.
    for (const [k, e] of this.entries) {
      if (e.expiresAt > now) return;
      this.entries.delete(k);
    }
  }
}
