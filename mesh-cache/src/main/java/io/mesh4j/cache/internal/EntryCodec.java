package io.mesh4j.cache.internal;

import io.mesh4j.cache.CacheCodec;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.DistributedCache;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Values to and from the bytes stored in Redis: entries go in an {@link Envelope} (expiry and δ
 * before the codec's bytes), set and list members are the codec's bytes alone. An entry that does
 * not decode is counted, reported and deleted (only if it still holds the same bytes), then served
 * as a miss: a corrupt or foreign value never reaches the caller and never sticks.
 *
 * <p>Thread safe if the codec is (the built-in Jackson codec is).
 */
final class EntryCodec<V> {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedCache.class);

  private final CacheCodec<V> codec;
  private final String namespace;
  private final Clock clock;
  private final JedisClusterConnection connection;
  private final CacheCounters counters;
  private final RedisFailures failures;

  EntryCodec(CacheCodec<V> codec, String namespace, Clock clock, JedisClusterConnection connection,
      CacheCounters counters, RedisFailures failures) {
    this.codec = codec;
    this.namespace = namespace;
    this.clock = clock;
    this.connection = connection;
    this.counters = counters;
    this.failures = failures;
  }

  /** The envelope of {@code value}, expiring {@code ttlMillis} from now, that took δ to compute. */
  byte[] encode(V value, long ttlMillis, long deltaMillis) {
    byte[] payload = encodeRaw(value);
    return Envelope.wrap(payload, clock.millis() + ttlMillis, deltaMillis);
  }

  /** The codec's bytes of {@code value} (a set or list member). */
  byte[] encodeRaw(V value) {
    try {
      return codec.encode(value);
    } catch (RuntimeException e) {
      throw new CacheException(namespace, "cache '" + namespace + "' cannot encode a value of "
          + value.getClass().getName() + ": " + e.getMessage(), e);
    }
  }

  /** GET and decode, counting nothing but decode failures; throws on Redis failure. */
  Hit<V> get(byte[] fullKey) {
    byte[] raw = connection.client().get(fullKey);
    return raw == null ? null : decodeOrDrop(fullKey, raw);
  }

  /** The entry in {@code raw}, or null (counted, deleted if still the same bytes) if corrupt. */
  Hit<V> decodeOrDrop(byte[] fullKey, byte[] raw) {
    try {
      return Envelope.unwrap(raw, codec);
    } catch (RuntimeException e) {
      dropCorrupt(fullKey, raw, e);
      return null;
    }
  }

  private void dropCorrupt(byte[] fullKey, byte[] raw, RuntimeException cause) {
    counters.recordDecodeFailure();
    LOG.debug("mesh-cache '{}': undecodable entry deleted: {}", namespace, cause.toString());
    failures.emit(CacheEvent.Kind.DECODE_FAILURE, cause.getClass().getSimpleName());
    try {
      // Compare-and-delete: a writer may have replaced the corrupt bytes with a good value already.
      connection.client().eval(RedisScripts.COMPARE_AND_DELETE, List.of(fullKey), List.of(raw));
    } catch (JedisException e) {
      failures.ignored("deleting an undecodable entry", e);
    }
  }

  /** A set or list member, or null (counted, reported) if it does not decode. */
  V decodeMember(byte[] raw) {
    try {
      V v = codec.decode(raw, 0, raw.length);
      if (v == null) {
        throw new IllegalArgumentException("payload decoded to null");
      }
      return v;
    } catch (RuntimeException e) {
      counters.recordDecodeFailure();
      failures.emit(CacheEvent.Kind.DECODE_FAILURE, e.getClass().getSimpleName());
      return null;
    }
  }

  @Override
  public String toString() {
    return codec.toString();
  }
}
