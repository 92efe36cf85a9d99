package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The Lua scripts mesh-cache runs with EVAL. Each touches one key (or one channel's shard), so it
 * runs on one cluster node and is atomic there.
 */
final class RedisScripts {
  /** Deletes KEYS[1] only if it still holds ARGV[1]: lock release and corrupt-entry removal. */
  static final byte[] COMPARE_AND_DELETE = (
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
          + "else return 0 end").getBytes(UTF_8);
  /** INCRBY that gives a key it creates a TTL (PTTL -1: the key has none). */
  static final byte[] INCR_WITH_TTL = (
      "local v = redis.call('incrby', KEYS[1], ARGV[1]) "
          + "if redis.call('pttl', KEYS[1]) == -1 then redis.call('pexpire', KEYS[1], ARGV[2]) end "
          + "return v").getBytes(UTF_8);
  /** SADD ARGV[2] that gives a set it creates a TTL of ARGV[1] ms. */
  static final byte[] SADD_WITH_TTL = (
      "local n = redis.call('sadd', KEYS[1], ARGV[2]) "
          + "if redis.call('pttl', KEYS[1]) == -1 then redis.call('pexpire', KEYS[1], ARGV[1]) end "
          + "return n").getBytes(UTF_8);
  /** RPUSH ARGV[2] that gives a list it creates a TTL of ARGV[1] ms. */
  static final byte[] RPUSH_WITH_TTL = (
      "local n = redis.call('rpush', KEYS[1], ARGV[2]) "
          + "if redis.call('pttl', KEYS[1]) == -1 then redis.call('pexpire', KEYS[1], ARGV[1]) end "
          + "return n").getBytes(UTF_8);
  /**
   * SET KEYS[1] ARGV[2] PX ARGV[3] only if it still holds ARGV[1]: an early refresh replaces the
   * entry it read, never a value written while its loader ran.
   */
  static final byte[] COMPARE_AND_SET = (
      "if redis.call('get', KEYS[1]) == ARGV[1] then "
          + "redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end").getBytes(UTF_8);
  /**
   * INCR of the sequence key KEYS[1], then SPUBLISH of {@code <seq>|ARGV[2]} on channel ARGV[1]
   * (same hash tag, same shard): invalidation messages arrive numbered without gaps.
   */
  static final byte[] PUBLISH = (
      "local s = redis.call('incr', KEYS[1]) "
          + "redis.call('spublish', ARGV[1], s .. '|' .. ARGV[2]) "
          + "return s").getBytes(UTF_8);

  private RedisScripts() {}
}
