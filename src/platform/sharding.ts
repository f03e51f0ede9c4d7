/**
 * The scrape sharding prometheus-operator renders for `spec.shards` (v0.93, `pkg/prometheus/promcfg.go`):
 * three relabelling steps appended to every scrape job's `relabel_configs`. A target's `__address__`
 * (unless `__tmp_hash` is already set) is hashed modulo the number of shards into `__tmp_hash`, and a
 * shard keeps the targets whose hash is its index, `$(SHARD)`, which the operator's config reloader
 * replaces with the shard's number in each pod. `__tmp_disable_sharding` set on a target keeps it
 * on every shard.
 */

/** One Prometheus `relabel_configs` entry, in Prometheus's own (snake_case) configuration format. */
export interface ScrapeRelabelConfig {
  /** Labels whose values, joined by `;`, the step reads. @default - none */
  readonly source_labels?: ReadonlyArray<string>;
  /** The label the step writes (`replace`, `hashmod`). @default - none */
  readonly target_label?: string;
  /** The anchored regular expression matched against the joined source values. @default '(.*)' */
  readonly regex?: string;
  /** What `replace` writes, with `$1`-style groups. @default '$1' */
  readonly replacement?: string;
  /** The modulus of `hashmod`. @default - none */
  readonly modulus?: number;
  /** What the step does. */
  readonly action: 'replace' | 'hashmod' | 'keep';
}

/** The placeholder the operator's config reloader replaces with the shard's index. */
export const SHARD_PLACEHOLDER = '$(SHARD)';

/**
 * The relabelling that keeps, on shard `shard` of `shards`, only the targets that hash to it,
 * as prometheus-operator renders it. `shard` defaults to the operator's placeholder; a number
 * gives the configuration one pod runs after the reloader's substitution.
 */
export function shardingRelabelConfigs(shards: number, shard: number | typeof SHARD_PLACEHOLDER = SHARD_PLACEHOLDER): ScrapeRelabelConfig[] {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards: got ${String(shards)}; allowed: an integer >= 1`);
  if (shard !== SHARD_PLACEHOLDER && (!Number.isInteger(shard) || shard < 0 || shard >= shards)) {
    throw new RangeError(`shard: got ${String(shard)}; allowed: an integer 0..${shards - 1} or ${SHARD_PLACEHOLDER}`);
  }
  return [
    { source_labels: ['__address__', '__tmp_hash'], target_label: '__tmp_hash', regex: '(.+);', replacement: '$1', action: 'replace' },
    { source_labels: ['__tmp_hash'], target_label: '__tmp_hash', modulus: shards, action: 'hashmod' },
    { source_labels: ['__tmp_hash', '__tmp_disable_sharding'], regex: `${String(shard)};|.+;.+`, action: 'keep' },
  ];
}
