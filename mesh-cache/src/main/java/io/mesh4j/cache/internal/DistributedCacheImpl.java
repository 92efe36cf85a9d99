package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.CacheStats;
import io.mesh4j.cache.DistributedCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.KeyValue;

/**
 * {@link DistributedCache} on a Jedis cluster client: the façade that checks arguments, runs the
 * single-key commands and hands the rest to its parts. See the interface for the contract and
 * docs/cache.md for the design.
 *
 * <ul>
 *   <li>{@link KeySpace}: keys are {@code <ns>:<version>:<key>}, the namespace version;</li>
 *   <li>{@link EntryCodec}: values are {@link Envelope}s, corrupt ones dropped;</li>
 *   <li>{@link SlotPipeline}: multi-key reads and writes grouped by slot and pipelined per node;</li>
 *   <li>{@link LoadCoordinator} and {@link SingleFlight}: {@code getOrLoad} without a stampede;</li>
 *   <li>{@link PatternInvalidator}: {@code invalidate(pattern)} across the masters;</li>
 *   <li>{@link RedisFailures} and {@link CacheCounters}: what a failure does, what is counted.</li>
 * </ul>
 */
public final class DistributedCacheImpl<V> implements L2Store<V> {
  private final JedisClusterConnection connection;
  private final boolean ownsConnection;
  private final Duration defaultTtl;
  private final CacheCounters counters = new CacheCounters();
  private final RedisFailures failures;
  private final CacheRuntime runtime;
  private final KeySpace keys;
  private final EntryCodec<V> entries;
  private final SlotPipeline pipeline;
  private final LoadCoordinator<V> loads;
  private final PatternInvalidator invalidator;
  private volatile boolean closed;

  /** Builds the cache from validated settings. */
  public DistributedCacheImpl(CacheSettings<V> s) {
    this.connection = s.connection();
    this.ownsConnection = s.ownsConnection();
    this.defaultTtl = s.defaultTtl();
    this.failures = new RedisFailures(s.namespace(), s.strict(), s.listener(), s.clock(), counters,
        connection);
    this.runtime = new CacheRuntime(s.namespace(), connection, s.clock(), s.ticker(), failures);
    this.keys = new KeySpace(s.namespace(), s.namespaceVersionCheckInterval().toNanos(), s.ticker(),
        key -> {
          byte[] version = connection.client().get(key);
          connection.answered();
          return version;
        });
    this.entries = new EntryCodec<>(s.codec(), s.namespace(), s.clock(), s.ticker(), connection,
        counters, failures);
    this.pipeline = new SlotPipeline(connection);
    this.loads = new LoadCoordinator<>(s, keys, entries, failures, counters);
    this.invalidator = new PatternInvalidator(connection, pipeline, failures);
  }

  private static long ttlMillis(Duration ttl, String name) {
    Checks.positive(ttl, name);
    long ms = ttl.toMillis();
    Checks.argument(ms >= 1, "%s must be at least 1ms, was %s", name, ttl);
    return ms;
  }

  private static String checkKey(String key, String name) {
    return KeySpace.checkKey(key, name);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads and writes

  @Override
  public Hit<V> getEntry(String key) {
    Hit<V> hit;
    try {
      hit = entries.get(keys.fullKey(key));
    } catch (JedisException e) {
      hit = failures.failed("get", e, null);
    }
    if (hit == null) {
      counters.recordMiss();
    } else {
      counters.recordHit();
    }
    return hit;
  }

  @Override
  public String namespace() {
    return keys.namespace();
  }

  @Override
  public Duration defaultTtl() {
    return defaultTtl;
  }

  @Override
  public V get(String key) {
    checkKey(key, "key");
    Hit<V> hit = getEntry(key);
    return hit == null ? null : hit.value();
  }

  @Override
  public Map<String, V> getMulti(Collection<String> keys) {
    Map<String, Hit<V>> found = getMultiEntries(keys);
    Map<String, V> out = new LinkedHashMap<>(found.size() * 2);
    found.forEach((k, hit) -> out.put(k, hit.value()));
    return out;
  }

  @Override
  public Map<String, Hit<V>> getMultiEntries(Collection<String> keys) {
    Checks.notNull(keys, "keys");
    List<String> unique = new ArrayList<>(new LinkedHashSet<>(keys));
    for (int i = 0; i < unique.size(); i++) {
      checkKey(unique.get(i), "keys[" + i + "]");
    }
    if (unique.isEmpty()) {
      return Map.of();
    }
    KeySpace.Prefix p = this.keys.prefix();
    byte[][] full = new byte[unique.size()][];
    for (int i = 0; i < full.length; i++) {
      full[i] = KeySpace.fullKey(p, unique.get(i));
    }
    Map<String, Hit<V>> result = new LinkedHashMap<>();
    SlotPipeline.MultiGet replies;
    try {
      replies = pipeline.mget(full);
    } catch (JedisException e) {
      counters.recordMisses(unique.size());
      return failures.failed("getMulti", e, result);
    }
    // In request order: keys that share a slot come back group by group.
    for (int i = 0; i < full.length; i++) {
      Object raw = replies.values()[i];
      Hit<V> hit = raw instanceof byte[] ? entries.decodeOrDrop(full[i], (byte[]) raw) : null;
      if (hit == null) {
        counters.recordMiss();
      } else {
        counters.recordHit();
        result.put(unique.get(i), hit);
      }
    }
    if (replies.failure() != null) {
      failures.failed("getMulti", replies.failure(), null);
    }
    return result;
  }

  @Override
  public boolean set(String key, V value) {
    return set(key, value, defaultTtl);
  }

  @Override
  public boolean set(String key, V value, Duration ttl) {
    return write(key, value, ttl, SetParams.setParams(), "set");
  }

  @Override
  public boolean setIfAbsent(String key, V value, Duration ttl) {
    return write(key, value, ttl, SetParams.setParams().nx(), "setIfAbsent");
  }

  @Override
  public boolean setIfPresent(String key, V value, Duration ttl) {
    return write(key, value, ttl, SetParams.setParams().xx(), "setIfPresent");
  }

  private boolean write(String key, V value, Duration ttl, SetParams params, String op) {
    checkKey(key, "key");
    Checks.notNull(value, "value");
    long ms = ttlMillis(ttl, "ttl");
    byte[] bytes = entries.encode(value, ms, 0);
    try {
      String reply = connection.client().set(keys.fullKey(key), bytes, params.px(ms));
      connection.answered();
      return "OK".equals(reply);
    } catch (JedisException e) {
      return failures.failed(op, e, false);
    }
  }

  @Override
  public int setMulti(Map<String, ? extends V> entries, Duration ttl) {
    Checks.notNull(entries, "entries");
    long ms = ttlMillis(ttl, "ttl");
    if (entries.isEmpty()) {
      return 0;
    }
    KeySpace.Prefix p = keys.prefix();
    List<byte[]> fullKeys = new ArrayList<>(entries.size());
    List<byte[]> values = new ArrayList<>(entries.size());
    int i = 0;
    for (Map.Entry<String, ? extends V> e : entries.entrySet()) {
      checkKey(e.getKey(), "entries key #" + i);
      Checks.notNull(e.getValue(), "entries[" + e.getKey() + "]");
      fullKeys.add(KeySpace.fullKey(p, e.getKey()));
      values.add(this.entries.encode(e.getValue(), ms, 0));
      i++;
    }
    SlotPipeline.MultiSet result;
    try {
      result = pipeline.set(fullKeys, values, ms);
    } catch (JedisException e) {
      return failures.failed("setMulti", e, 0);
    }
    if (result.failure() != null) {
      failures.failed("setMulti", result.failure(), null);
    }
    return result.stored();
  }

  @Override
  public boolean delete(String key) {
    checkKey(key, "key");
    try {
      return connection.client().del(keys.fullKey(key)) > 0;
    } catch (JedisException e) {
      return failures.failed("delete", e, false);
    }
  }

  @Override
  public boolean exists(String key) {
    checkKey(key, "key");
    try {
      return connection.client().exists(keys.fullKey(key));
    } catch (JedisException e) {
      return failures.failed("exists", e, false);
    }
  }

  @Override
  public boolean expire(String key, Duration ttl) {
    checkKey(key, "key");
    long ms = ttlMillis(ttl, "ttl");
    try {
      return connection.client().pexpire(keys.fullKey(key), ms) == 1;
    } catch (JedisException e) {
      return failures.failed("expire", e, false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // getOrLoad: see LoadCoordinator

  @Override
  public V getOrLoad(String key, Supplier<? extends V> loader) {
    return getOrLoad(key, defaultTtl, loader);
  }

  @Override
  public V getOrLoad(String key, Duration ttl, Supplier<? extends V> loader) {
    Hit<V> hit = getOrLoadEntry(key, ttl, loader);
    return hit == null ? null : hit.value();
  }

  @Override
  public Hit<V> getOrLoadEntry(String key, Duration ttl, Supplier<? extends V> loader) {
    checkKey(key, "key");
    long ttlMs = ttlMillis(ttl, "ttl");
    Checks.notNull(loader, "loader");
    return loads.getOrLoad(key, ttlMs, loader);
  }

  // ---------------------------------------------------------------------------------------------
  // Counters, sets, queues

  @Override
  public OptionalLong increment(String key, long delta, Duration ttlOnCreate) {
    checkKey(key, "key");
    long ms = ttlMillis(ttlOnCreate, "ttlOnCreate");
    try {
      Object r = connection.client().eval(RedisScripts.INCR_WITH_TTL, List.of(keys.fullKey(key)),
          List.of(Long.toString(delta).getBytes(UTF_8), Long.toString(ms).getBytes(UTF_8)));
      return OptionalLong.of((Long) r);
    } catch (JedisException e) {
      return failures.failed("increment", e, OptionalLong.empty());
    }
  }

  @Override
  public OptionalLong decrement(String key, long delta, Duration ttlOnCreate) {
    Checks.argument(delta != Long.MIN_VALUE, "delta must be > Long.MIN_VALUE");
    return increment(key, -delta, ttlOnCreate);
  }

  @Override
  public OptionalLong counter(String key) {
    checkKey(key, "key");
    try {
      byte[] raw = connection.client().get(keys.fullKey(key));
      return raw == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(new String(raw, UTF_8)));
    } catch (JedisException e) {
      return failures.failed("counter", e, OptionalLong.empty());
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public boolean addToSet(String key, V member) {
    checkKey(key, "key");
    Checks.notNull(member, "member");
    byte[] m = entries.encodeRaw(member);
    try {
      Object r = connection.client().eval(RedisScripts.SADD_WITH_TTL, List.of(keys.fullKey(key)),
          List.of(Long.toString(defaultTtl.toMillis()).getBytes(UTF_8), m));
      return ((Long) r) > 0;
    } catch (JedisException e) {
      return failures.failed("addToSet", e, false);
    }
  }

  @Override
  public boolean removeFromSet(String key, V member) {
    checkKey(key, "key");
    Checks.notNull(member, "member");
    byte[] m = entries.encodeRaw(member);
    try {
      return connection.client().srem(keys.fullKey(key), m) > 0;
    } catch (JedisException e) {
      return failures.failed("removeFromSet", e, false);
    }
  }

  @Override
  public Set<V> setMembers(String key) {
    checkKey(key, "key");
    Set<byte[]> raw;
    try {
      raw = connection.client().smembers(keys.fullKey(key));
    } catch (JedisException e) {
      return failures.failed("setMembers", e, Set.of());
    }
    Set<V> out = new LinkedHashSet<>();
    for (byte[] r : raw) {
      V v = entries.decodeMember(r);
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  @Override
  public boolean push(String key, V value) {
    checkKey(key, "key");
    Checks.notNull(value, "value");
    byte[] m = entries.encodeRaw(value);
    try {
      connection.client().eval(RedisScripts.RPUSH_WITH_TTL, List.of(keys.fullKey(key)),
          List.of(Long.toString(defaultTtl.toMillis()).getBytes(UTF_8), m));
      return true;
    } catch (JedisException e) {
      return failures.failed("push", e, false);
    }
  }

  @Override
  public V pop(String key) {
    checkKey(key, "key");
    byte[] raw;
    try {
      raw = connection.client().lpop(keys.fullKey(key));
    } catch (JedisException e) {
      return failures.failed("pop", e, null);
    }
    return raw == null ? null : entries.decodeMember(raw);
  }

  @Override
  public V pop(String key, Duration timeout) {
    checkKey(key, "key");
    Checks.positive(timeout, "timeout");
    double seconds = Math.max(0.001, timeout.toNanos() / 1e9);
    KeyValue<byte[], byte[]> kv;
    try {
      kv = connection.client().blpop(seconds, keys.fullKey(key));
    } catch (JedisException e) {
      return failures.failed("pop", e, null);
    }
    return kv == null ? null : entries.decodeMember(kv.getValue());
  }

  // ---------------------------------------------------------------------------------------------
  // Invalidation

  @Override
  public long invalidate(String pattern) {
    Glob.compile(pattern); // checked before anything is deleted
    return invalidator.invalidate(keys.pattern(pattern));
  }

  @Override
  public long invalidateAll() {
    long version;
    try {
      version = connection.client().incr(keys.versionKey());
    } catch (JedisException e) {
      return failures.failed("invalidateAll", e, -1L);
    }
    keys.advanceTo(version);
    return version;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers, stats, lifecycle

  @Override
  public <A> Function<A, V> cacheAside(Function<? super A, ? extends V> function,
      Function<? super A, String> keyOf, Duration ttl) {
    Checks.notNull(function, "function");
    Checks.notNull(keyOf, "keyOf");
    ttlMillis(ttl, "ttl");
    return arg -> getOrLoad(checkKey(keyOf.apply(arg), "keyOf(argument)"), ttl, () -> function.apply(arg));
  }

  @Override
  public V writeThrough(String key, V value, Duration ttl, Consumer<? super V> writer) {
    checkKey(key, "key");
    Checks.notNull(value, "value");
    ttlMillis(ttl, "ttl");
    Checks.notNull(writer, "writer");
    writer.accept(value);
    if (!set(key, value, ttl)) {
      // The source of truth changed but the cache did not: make the next read reload.
      delete(key);
    }
    return value;
  }

  @Override
  public CacheStats stats() {
    return counters.snapshot();
  }

  @Override
  public KeySpace keySpace() {
    return keys;
  }

  @Override
  public CacheRuntime runtime() {
    return runtime;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownsConnection) {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "DistributedCache{namespace=" + keys.namespace() + ", codec=" + entries + "}";
  }
}
