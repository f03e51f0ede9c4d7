import { SHARD_PLACEHOLDER, shardingRelabelConfigs } from '../../src/platform/sharding';

describe('shardingRelabelConfigs', () => {
  test('renders what prometheus-operator v0.93 appends to every scrape job for spec.shards', () => {
    expect(shardingRelabelConfigs(4)).toEqual([
      { source_labels: ['__address__', '__tmp_hash'], target_label: '__tmp_hash', regex: '(.+);', replacement: '$1', action: 'replace' },
      { source_labels: ['__tmp_hash'], target_label: '__tmp_hash', modulus: 4, action: 'hashmod' },
      { source_labels: ['__tmp_hash', '__tmp_disable_sharding'], regex: `${SHARD_PLACEHOLDER};|.+;.+`, action: 'keep' },
    ]);
    expect(shardingRelabelConfigs(4, 2)[2]!.regex).toBe('2;|.+;.+');
  });

  test.each([
    [0, undefined, 'shards: got 0; allowed: an integer >= 1'],
    [3, 3, 'shard: got 3; allowed: an integer 0..2 or $(SHARD)'],
    [3, 1.5, 'shard: got 1.5; allowed: an integer 0..2 or $(SHARD)'],
  ])('fails with shards %p and shard %p', (shards, shard, message) => {
    expect(() => shardingRelabelConfigs(shards, shard)).toThrow(message);
  });
});
