package io.mesh4j.cache.internal;

import io.mesh4j.api.Ticker;
import io.mesh4j.cache.CacheCodec;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.DistributedCache;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Values to and from the bytes stored in Redis: entries go in an {@link Envelope} (expiry and δ
 * before the codec's bytes), set and list members are the codec's bytes alone. An entry that does
 * not decode is counted, reported and deleted (only if it still holds the same bytes), then served
 * as a miss: a corrupt or foreign value never reaches the caller and never sticks.
 *
 * <p>A value of another type (its envelope carries another type fingerprint) is handled the same
 * way: the namespace holds one type, and Jackson would read a foreign object as one of nulls. Both
 * are logged at WARN at most once a minute per cache, naming the namespace and the type.
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
  private final int fingerprint;
  private final String typeName;
  private final RateLimitedLog warnLog;

  EntryCodec(CacheCodec<V> codec, String namespace, Clock clock, Ticker ticker,
      JedisClusterConnection connection, CacheCounters counters, RedisFailures failures) {
    this.codec = codec;
    JacksonCodec<?> json = codec instanceof JacksonCodec<?> j ? j : null;
    this.fingerprint = json != null ? json.fingerprint() : 0;
    this.typeName = json != null ? json.typeName() : codec.toString();
    this.warnLog = new RateLimitedLog(LOG, ticker, TimeUnit.MINUTES.toNanos(1));
    this.namespace = namespace;
    this.clock = clock;
    this.connection = connection;
    this.counters = counters;
    this.failures = failures;
  }

  /** The envelope of {@code value}, expiring {@code ttlMillis} from now, that took δ to compute. */
  byte[] encode(V value, long ttlMillis, long deltaMillis) {
    byte[] payload = encodeRaw(value);
    return Envelope.wrap(payload, clock.millis() + ttlMillis, deltaMillis, fingerprint);
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
    connection.answered();
    return raw == null ? null : decodeOrDrop(fullKey, raw);
  }

  /** The entry in {@code raw}, or null (counted, deleted if still the same bytes) if corrupt. */
  Hit<V> decodeOrDrop(byte[] fullKey, byte[] raw) {
    try {
      return Envelope.unwrap(raw, codec, fingerprint);
    } catch (RuntimeException e) {
      dropCorrupt(fullKey, raw, e);
      return null;
    }
  }

  private void dropCorrupt(byte[] fullKey, byte[] raw, RuntimeException cause) {
    counters.recordDecodeFailure();
    warnUndecodable(cause, "it was deleted and served as a miss");
    failures.emit(CacheEvent.Kind.DECODE_FAILURE, cause instanceof Envelope.TypeMismatchException
        ? "type mismatch" : cause.getClass().getSimpleName());
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
      warnUndecodable(e, "it was skipped");
      failures.emit(CacheEvent.Kind.DECODE_FAILURE, e.getClass().getSimpleName());
      return null;
    }
  }

  /** One WARN a minute at most; the codec's message names type and property, never the payload. */
  private void warnUndecodable(RuntimeException cause, String outcome) {
    if (!warnLog.permit()) {
      LOG.debug("mesh-cache '{}': undecodable entry: {}", namespace, cause.getMessage());
      return;
    }
    if (cause instanceof Envelope.TypeMismatchException) {
      LOG.warn("mesh-cache '{}': an entry holds a value of another type than {}; {}, so callers load"
          + " from the source. A namespace holds one type: give the other type its own namespace{}",
          namespace, typeName, outcome, warnLog.heldBack());
    } else {
      LOG.warn("mesh-cache '{}': an entry could not be decoded as {} ({}); {}, so callers load from"
          + " the source. Check that every writer of the namespace stores this type with the same codec{}",
          namespace, typeName, cause.getMessage(), outcome, warnLog.heldBack());
    }
  }

  @Override
  public String toString() {
    return codec.toString();
  }
}
