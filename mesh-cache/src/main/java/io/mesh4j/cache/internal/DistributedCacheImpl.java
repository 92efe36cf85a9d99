package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.CacheCodec;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.CacheStats;
import io.mesh4j.cache.DistributedCache;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.KeyValue;

/**
 * {@link DistributedCache} on a Jedis cluster client. Keys are {@code <ns>:<version>:<key>}; values
 * are {@link Envelope}s. See the interface for the contract and docs/cache.md for the design.
 */
public final class DistributedCacheImpl<V> implements DistributedCache<V> {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedCache.class);

  /** Deletes KEYS[1] only if it still holds ARGV[1]: lock release and corrupt-entry removal. */
  private static final byte[] COMPARE_AND_DELETE = (
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
          + "else return 0 end").getBytes(UTF_8);
  /** INCRBY that gives a key it creates a TTL (PTTL -1: the key has none). */
  private static final byte[] INCR_WITH_TTL = (
      "local v = redis.call('incrby', KEYS[1], ARGV[1]) "
          + "if redis.call('pttl', KEYS[1]) == -1 then redis.call('pexpire', KEYS[1], ARGV[2]) end "
          + "return v").getBytes(UTF_8);
  private static final byte[] SADD_WITH_TTL = (
      "local n = redis.call('sadd', KEYS[1], ARGV[2]) "
          + "if redis.call('pttl', KEYS[1]) == -1 then redis.call('pexpire', KEYS[1], ARGV[1]) end "
          + "return n").getBytes(UTF_8);
  private static final byte[] RPUSH_WITH_TTL = (
      "local n = redis.call('rpush', KEYS[1], ARGV[2]) "
          + "if redis.call('pttl', KEYS[1]) == -1 then redis.call('pexpire', KEYS[1], ARGV[1]) end "
          + "return n").getBytes(UTF_8);
  /**
   * SET KEYS[1] ARGV[2] PX ARGV[3] only if it still holds ARGV[1]: an early refresh replaces the
   * entry it read, never a value written while its loader ran.
   */
  private static final byte[] COMPARE_AND_SET = (
      "if redis.call('get', KEYS[1]) == ARGV[1] then "
          + "redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end").getBytes(UTF_8);
  private static final int SCAN_COUNT = 500;
  private static final long FIRST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final JedisClusterConnection connection;
  private final boolean ownsConnection;
  private final String namespace;
  private final CacheCodec<V> codec;
  private final Duration defaultTtl;
  private final long lockTimeoutMillis;
  private final long lockTimeoutNanos;
  private final double beta;
  private final long versionCheckNanos;
  private final boolean strict;
  private final Clock clock;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final MeshEventListener listener;
  private final RateLimitedLog warnLog = new RateLimitedLog(LOG);
  private final byte[] versionKey;
  private final String instanceId = UUID.randomUUID().toString();
  private final AtomicLong tokenSequence = new AtomicLong();
  private final ConcurrentHashMap<String, CompletableFuture<Hit<V>>> flights = new ConcurrentHashMap<>();
  private final AtomicBoolean versionRefreshing = new AtomicBoolean();
  /**
   * Replaced only by compare-and-set, so a version read that raced a newer one (another JVM's
   * invalidateAll, announced and re-read meanwhile) never puts the older version back.
   */
  private final AtomicReference<Prefix> prefix = new AtomicReference<>();
  private volatile boolean closed;

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder loadNanos = new LongAdder();
  private final LongAdder lockWaits = new LongAdder();
  private final LongAdder earlyRefreshes = new LongAdder();
  private final LongAdder decodeFailures = new LongAdder();
  private final LongAdder redisErrors = new LongAdder();

  /** The current namespace version and the key prefix derived from it. */
  record Prefix(long version, String text, byte[] bytes, long checkedAtNanos) {
    Prefix checkedAt(long nanos) {
      return new Prefix(version, text, bytes, nanos);
    }
  }

  /** Builds the cache from validated settings. */
  public DistributedCacheImpl(CacheSettings<V> s) {
    this.connection = s.connection();
    this.ownsConnection = s.ownsConnection();
    this.namespace = s.namespace();
    this.codec = s.codec();
    this.defaultTtl = s.defaultTtl();
    this.lockTimeoutMillis = s.lockTimeout().toMillis();
    this.lockTimeoutNanos = s.lockTimeout().toNanos();
    this.beta = s.earlyRefreshBeta();
    this.versionCheckNanos = s.namespaceVersionCheckInterval().toNanos();
    this.strict = s.strict();
    this.clock = s.clock();
    this.ticker = s.ticker();
    this.random = s.random();
    this.listener = s.listener();
    this.versionKey = (namespace + ":#version").getBytes(UTF_8);
    // Version 0 until Redis says otherwise; checkedAt in the past makes the first call read it.
    this.prefix.set(newPrefix(0, ticker.read() - versionCheckNanos));
  }

  private Prefix newPrefix(long version, long checkedAt) {
    String text = namespace + ":" + version + ":";
    return new Prefix(version, text, text.getBytes(UTF_8), checkedAt);
  }

  // ---------------------------------------------------------------------------------------------
  // Keys, namespace version, failure handling

  /** The current prefix, re-reading the namespace version when it is due (one thread at a time). */
  private Prefix prefix() {
    Prefix p = prefix.get();
    long now = ticker.read();
    if (now - p.checkedAtNanos >= versionCheckNanos && versionRefreshing.compareAndSet(false, true)) {
      try {
        p = readVersion(now);
      } finally {
        versionRefreshing.set(false);
      }
    }
    return p;
  }

  private Prefix readVersion(long now) {
    Prefix seen = prefix.get(); // taken before the GET: what this read may replace
    long version;
    try {
      byte[] raw = connection.client().get(versionKey);
      version = raw == null ? 0 : Long.parseLong(new String(raw, UTF_8));
    } catch (JedisException | NumberFormatException e) {
      // Keep the version we know; try again after the next interval rather than on every call.
      LOG.debug("mesh-cache '{}': namespace version read failed: {}", namespace, e.toString());
      prefix.compareAndSet(seen, seen.checkedAt(now));
      return prefix.get();
    }
    return install(seen, version, now);
  }

  /**
   * Installs {@code version}, read from Redis after {@code seen} was the prefix. If another read or
   * an invalidateAll installed a prefix meanwhile, that one may have read later: the version only
   * grows (INCR), so ours replaces it only if it is higher. An unraced read installs whatever
   * Redis holds, a lower version too (the version key was lost), so every JVM agrees again.
   */
  Prefix install(Prefix seen, long version, long now) {
    Prefix next = version == seen.version ? seen.checkedAt(now) : newPrefix(version, now);
    while (!prefix.compareAndSet(seen, next)) {
      seen = prefix.get();
      if (version <= seen.version) {
        return seen;
      }
    }
    return next;
  }

  /** The prefix in use, without re-reading the version. */
  Prefix currentPrefix() {
    return prefix.get();
  }

  /** Re-reads the namespace version now (an invalidation message said it changed). */
  void refreshVersionNow() {
    readVersion(ticker.read());
  }

  /** The namespace version in use. */
  long namespaceVersion() {
    return prefix().version;
  }

  byte[] fullKey(String key) {
    return fullKey(prefix(), key);
  }

  private static byte[] fullKey(Prefix p, String key) {
    byte[] k = key.getBytes(UTF_8);
    byte[] out = new byte[p.bytes.length + k.length];
    System.arraycopy(p.bytes, 0, out, 0, p.bytes.length);
    System.arraycopy(k, 0, out, p.bytes.length, k.length);
    return out;
  }

  static String checkKey(String key, String name) {
    if (key == null) {
      throw new NullPointerException(name + " must not be null");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return key;
  }

  private static long ttlMillis(Duration ttl, String name) {
    Checks.positive(ttl, name);
    long ms = ttl.toMillis();
    Checks.argument(ms >= 1, "%s must be at least 1ms, was %s", name, ttl);
    return ms;
  }

  /** A Redis failure: counted, logged (rate limited), thrown in strict mode, else {@code fallback}. */
  <T> T failed(String operation, JedisException e, T fallback) {
    redisErrors.increment();
    warnLog.warn(namespace, operation, e);
    emit(CacheEvent.Kind.REDIS_FAILURE, operation);
    if (strict) {
      throw new CacheException(namespace,
          "Redis " + operation + " failed in cache '" + namespace + "': " + e.getMessage(), e);
    }
    return fallback;
  }

  void emit(CacheEvent.Kind kind, String detail) {
    if (listener == null) {
      return;
    }
    try {
      listener.onEvent(new CacheEvent(kind, namespace, detail, clock.millis()));
    } catch (RuntimeException e) {
      LOG.debug("mesh-cache '{}': event listener threw", namespace, e);
    }
  }

  private byte[] encode(V value, long ttlMillis, long deltaMillis) {
    byte[] payload = encodeRaw(value);
    return Envelope.wrap(payload, clock.millis() + ttlMillis, deltaMillis);
  }

  private byte[] encodeRaw(V value) {
    try {
      return codec.encode(value);
    } catch (RuntimeException e) {
      throw new CacheException(namespace, "cache '" + namespace + "' cannot encode a value of "
          + value.getClass().getName() + ": " + e.getMessage(), e);
    }
  }

  /** The entry in {@code raw}, or null (counted, deleted if still the same bytes) if corrupt. */
  private Hit<V> decodeOrDrop(byte[] fullKey, byte[] raw) {
    try {
      return Envelope.unwrap(raw, codec);
    } catch (RuntimeException e) {
      dropCorrupt(fullKey, raw, e);
      return null;
    }
  }

  private void dropCorrupt(byte[] fullKey, byte[] raw, RuntimeException cause) {
    decodeFailures.increment();
    LOG.debug("mesh-cache '{}': undecodable entry deleted: {}", namespace, cause.toString());
    emit(CacheEvent.Kind.DECODE_FAILURE, cause.getClass().getSimpleName());
    try {
      // Compare-and-delete: a writer may have replaced the corrupt bytes with a good value already.
      connection.client().eval(COMPARE_AND_DELETE, List.of(fullKey), List.of(raw));
    } catch (JedisException e) {
      redisErrors.increment();
      LOG.debug("mesh-cache '{}': deleting an undecodable entry failed: {}", namespace, e.toString());
    }
  }

  private V decodeMember(byte[] raw) {
    try {
      V v = codec.decode(raw, 0, raw.length);
      if (v == null) {
        throw new IllegalArgumentException("payload decoded to null");
      }
      return v;
    } catch (RuntimeException e) {
      decodeFailures.increment();
      emit(CacheEvent.Kind.DECODE_FAILURE, e.getClass().getSimpleName());
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads and writes

  /** GET and decode, counting nothing but decode failures; throws on Redis failure. */
  Hit<V> fetch(String key) {
    byte[] k = fullKey(key);
    byte[] raw = connection.client().get(k);
    return raw == null ? null : decodeOrDrop(k, raw);
  }

  /** {@link #get} returning the whole entry (for L1 fills), with hit/miss accounting. */
  Hit<V> getEntry(String key) {
    Hit<V> hit;
    try {
      hit = fetch(key);
    } catch (JedisException e) {
      hit = failed("get", e, null);
    }
    (hit == null ? misses : hits).increment();
    return hit;
  }

  @Override
  public String namespace() {
    return namespace;
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
    Map<String, Hit<V>> entries = getMultiEntries(keys);
    Map<String, V> out = new LinkedHashMap<>(entries.size() * 2);
    entries.forEach((k, hit) -> out.put(k, hit.value()));
    return out;
  }

  /** {@link #getMulti} returning whole entries (for L1 fills). */
  Map<String, Hit<V>> getMultiEntries(Collection<String> keys) {
    Checks.notNull(keys, "keys");
    List<String> unique = new ArrayList<>(new LinkedHashSet<>(keys));
    for (int i = 0; i < unique.size(); i++) {
      checkKey(unique.get(i), "keys[" + i + "]");
    }
    if (unique.isEmpty()) {
      return Map.of();
    }
    Prefix p = prefix();
    byte[][] full = new byte[unique.size()][];
    Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
    for (int i = 0; i < full.length; i++) {
      full[i] = fullKey(p, unique.get(i));
      bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(full[i]), s -> new ArrayList<>()).add(i);
    }
    List<CommandArguments> commands = new ArrayList<>(bySlot.size());
    List<Integer> slots = new ArrayList<>(bySlot.size());
    List<List<Integer>> groups = new ArrayList<>(bySlot.size());
    for (Map.Entry<Integer, List<Integer>> e : bySlot.entrySet()) {
      CommandArguments mget = new CommandArguments(Protocol.Command.MGET);
      for (int i : e.getValue()) {
        mget.add(full[i]);
      }
      commands.add(mget);
      slots.add(e.getKey());
      groups.add(e.getValue());
    }
    Map<String, Hit<V>> result = new LinkedHashMap<>();
    Object[] replies;
    try {
      replies = pipelineBySlot(commands, slots);
    } catch (JedisException e) {
      misses.add(unique.size());
      return failed("getMulti", e, result);
    }
    JedisException failure = null;
    for (int g = 0; g < groups.size(); g++) {
      List<Integer> group = groups.get(g);
      Object reply = replies[g];
      if (reply instanceof JedisException) {
        // MOVED/ASK/TRYAGAIN or a node that failed: the cluster client follows redirections.
        byte[][] groupKeys = new byte[group.size()][];
        for (int j = 0; j < group.size(); j++) {
          groupKeys[j] = full[group.get(j)];
        }
        try {
          reply = connection.client().mget(groupKeys);
        } catch (JedisException e) {
          failure = e;
          misses.add(group.size());
          continue;
        }
      }
      List<?> values = (List<?>) reply;
      for (int j = 0; j < group.size(); j++) {
        int i = group.get(j);
        Object raw = values.get(j);
        Hit<V> hit = raw instanceof byte[] ? decodeOrDrop(full[i], (byte[]) raw) : null;
        if (hit == null) {
          misses.increment();
        } else {
          hits.increment();
          result.put(unique.get(i), hit);
        }
      }
    }
    if (failure != null) {
      failed("getMulti", failure, null);
    }
    return result;
  }

  /**
   * Sends {@code commands[i]} to the master of {@code slots[i]}, every node's commands in one
   * pipeline, all nodes flushed before any reply is read so they work in parallel. Reply {@code i}
   * is the raw reply, or the {@link JedisException} it failed with (a redirection, a dead node).
   */
  private Object[] pipelineBySlot(List<CommandArguments> commands, List<Integer> slots) {
    Map<Integer, NodeBatch> bySlot = new LinkedHashMap<>();
    Map<HostAndPort, NodeBatch> byNode = new LinkedHashMap<>();
    Object[] replies = new Object[commands.size()];
    try {
      for (int i = 0; i < commands.size(); i++) {
        int slot = slots.get(i);
        NodeBatch batch = bySlot.get(slot);
        if (batch == null) {
          Connection c = connection.connectionForSlot(slot);
          batch = byNode.get(c.getHostAndPort());
          if (batch == null) {
            batch = new NodeBatch(c);
            byNode.put(c.getHostAndPort(), batch);
          } else {
            c.close();
          }
          bySlot.put(slot, batch);
        }
        batch.indices.add(i);
      }
      for (NodeBatch batch : byNode.values()) {
        try {
          for (int i : batch.indices) {
            batch.connection.sendCommand(commands.get(i));
          }
          batch.connection.getMany(0); // flushes without waiting: the next node starts meanwhile
        } catch (JedisConnectionException e) {
          batch.failure = e;
        }
      }
      for (NodeBatch batch : byNode.values()) {
        if (batch.failure == null) {
          try {
            List<Object> r = batch.connection.getMany(batch.indices.size());
            for (int j = 0; j < r.size(); j++) {
              replies[batch.indices.get(j)] = r.get(j);
            }
            continue;
          } catch (JedisConnectionException e) {
            batch.failure = e;
          }
        }
        for (int i : batch.indices) {
          replies[i] = batch.failure;
        }
      }
      return replies;
    } finally {
      for (NodeBatch batch : byNode.values()) {
        batch.connection.close();
      }
    }
  }

  private static final class NodeBatch {
    final Connection connection;
    final List<Integer> indices = new ArrayList<>();
    JedisException failure;

    NodeBatch(Connection connection) {
      this.connection = connection;
    }
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
    return store(key, value, ms, 0, params, op);
  }

  private boolean store(String key, V value, long ttlMs, long deltaMs, SetParams params, String op) {
    byte[] bytes = encode(value, ttlMs, deltaMs);
    try {
      return "OK".equals(connection.client().set(fullKey(key), bytes, params.px(ttlMs)));
    } catch (JedisException e) {
      return failed(op, e, false);
    }
  }

  @Override
  public int setMulti(Map<String, ? extends V> entries, Duration ttl) {
    Checks.notNull(entries, "entries");
    long ms = ttlMillis(ttl, "ttl");
    if (entries.isEmpty()) {
      return 0;
    }
    Prefix p = prefix();
    List<CommandArguments> commands = new ArrayList<>(entries.size());
    List<Integer> slots = new ArrayList<>(entries.size());
    List<byte[]> keys = new ArrayList<>(entries.size());
    List<byte[]> values = new ArrayList<>(entries.size());
    int i = 0;
    for (Map.Entry<String, ? extends V> e : entries.entrySet()) {
      checkKey(e.getKey(), "entries key #" + i);
      Checks.notNull(e.getValue(), "entries[" + e.getKey() + "]");
      byte[] k = fullKey(p, e.getKey());
      byte[] v = encode(e.getValue(), ms, 0);
      keys.add(k);
      values.add(v);
      commands.add(new CommandArguments(Protocol.Command.SET).add(k).add(v).add("PX").add(ms));
      slots.add(JedisClusterCRC16.getSlot(k));
      i++;
    }
    Object[] replies;
    try {
      replies = pipelineBySlot(commands, slots);
    } catch (JedisException e) {
      return failed("setMulti", e, 0);
    }
    int stored = 0;
    JedisException failure = null;
    for (int j = 0; j < replies.length; j++) {
      Object reply = replies[j];
      if (reply instanceof JedisException) {
        try {
          reply = connection.client().set(keys.get(j), values.get(j), SetParams.setParams().px(ms));
        } catch (JedisException e) {
          failure = e;
          continue;
        }
      }
      if (reply instanceof byte[] ? "OK".equals(new String((byte[]) reply, UTF_8)) : "OK".equals(reply)) {
        stored++;
      }
    }
    if (failure != null) {
      failed("setMulti", failure, null);
    }
    return stored;
  }

  @Override
  public boolean delete(String key) {
    checkKey(key, "key");
    try {
      return connection.client().del(fullKey(key)) > 0;
    } catch (JedisException e) {
      return failed("delete", e, false);
    }
  }

  @Override
  public boolean exists(String key) {
    checkKey(key, "key");
    try {
      return connection.client().exists(fullKey(key));
    } catch (JedisException e) {
      return failed("exists", e, false);
    }
  }

  @Override
  public boolean expire(String key, Duration ttl) {
    checkKey(key, "key");
    long ms = ttlMillis(ttl, "ttl");
    try {
      return connection.client().pexpire(fullKey(key), ms) == 1;
    } catch (JedisException e) {
      return failed("expire", e, false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // getOrLoad: single flight, cross-JVM lock, XFetch

  @Override
  public V getOrLoad(String key, Supplier<? extends V> loader) {
    return getOrLoad(key, defaultTtl, loader);
  }

  @Override
  public V getOrLoad(String key, Duration ttl, Supplier<? extends V> loader) {
    Hit<V> hit = getOrLoadEntry(key, ttl, loader);
    return hit == null ? null : hit.value();
  }

  /** {@link #getOrLoad} returning the entry (null if the loader returned null). */
  Hit<V> getOrLoadEntry(String key, Duration ttl, Supplier<? extends V> loader) {
    checkKey(key, "key");
    long ttlMs = ttlMillis(ttl, "ttl");
    Checks.notNull(loader, "loader");
    byte[] fullKey = fullKey(key);
    byte[] raw;
    try {
      raw = connection.client().get(fullKey);
    } catch (JedisException e) {
      failed("get", e, null);
      misses.increment();
      // Redis is failing: the loader runs directly (still once per key in this JVM).
      return singleFlight(key, () -> load(key, ttlMs, loader, null));
    }
    Hit<V> hit = raw == null ? null : decodeOrDrop(fullKey, raw);
    if (hit != null) {
      hits.increment();
      return refreshDue(hit) ? refreshEarly(key, ttlMs, loader, hit, raw) : hit;
    }
    misses.increment();
    return singleFlight(key, () -> loadUnderLock(key, ttlMs, loader));
  }

  /**
   * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): recompute when
   * {@code now - δ·β·ln(rand) >= expiry}. ln(rand) is negative, so the gap grows with the cost of
   * the value; a cheap value is almost never refreshed early, an expensive one well ahead.
   */
  private boolean refreshDue(Hit<V> hit) {
    if (beta == 0 || hit.deltaMillis() <= 0) {
      return false;
    }
    double r = random.nextDouble();
    double ln = Math.log(r > 0 ? r : Double.MIN_VALUE);
    return clock.millis() - hit.deltaMillis() * beta * ln >= hit.expiresAtMillis();
  }

  /**
   * One caller recomputes ahead of expiry: only if no load of the key runs in this JVM and the
   * cross-JVM lock is free; everyone else keeps the current, still valid value.
   */
  private Hit<V> refreshEarly(String key, long ttlMs, Supplier<? extends V> loader, Hit<V> current,
      byte[] currentRaw) {
    CompletableFuture<Hit<V>> mine = new CompletableFuture<>();
    if (flights.putIfAbsent(key, mine) != null) {
      return current;
    }
    Hit<V> result = current;
    try {
      byte[] lockKey = lockKey(key);
      String token = newToken();
      boolean locked;
      try {
        locked = tryLock(lockKey, token);
      } catch (JedisException e) {
        return failed("lock", e, current);
      }
      if (!locked) {
        return current;
      }
      try {
        Hit<V> loaded = load(key, ttlMs, loader, currentRaw);
        earlyRefreshes.increment();
        if (loaded != null) {
          result = loaded;
        }
      } catch (RuntimeException e) {
        // The current value has not expired: serve it, the next caller may try again.
        LOG.debug("mesh-cache '{}': early refresh failed, serving the current value", namespace, e);
      } finally {
        release(lockKey, token);
      }
      return result;
    } finally {
      mine.complete(result);
      flights.remove(key, mine);
    }
  }

  /**
   * Runs {@code work} once for all concurrent callers of {@code key} in this JVM. A caller waits at
   * most the lock timeout for the running load; then the leader looks hung and one fresh flight
   * replaces it: its one winner runs {@code work}, the other waiters wait for that flight instead.
   */
  private Hit<V> singleFlight(String key, Supplier<Hit<V>> work) {
    CompletableFuture<Hit<V>> mine = new CompletableFuture<>();
    CompletableFuture<Hit<V>> running = flights.putIfAbsent(key, mine);
    while (running != null) {
      try {
        return running.get(lockTimeoutNanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        if (flights.replace(key, running, mine)) {
          running = null; // this caller leads the fresh flight
        } else {
          // Another waiter replaced it first (or the leader finished): join whatever runs now.
          running = flights.putIfAbsent(key, mine);
        }
      } catch (ExecutionException e) {
        throw unwrap(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CacheException(namespace, "interrupted while waiting for a load", e);
      }
    }
    try {
      Hit<V> hit = work.get();
      mine.complete(hit);
      return hit;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      flights.remove(key, mine);
    }
  }

  private RuntimeException unwrap(ExecutionException e) {
    Throwable cause = e.getCause();
    if (cause instanceof RuntimeException) {
      return (RuntimeException) cause;
    }
    if (cause instanceof Error) {
      throw (Error) cause;
    }
    return new CacheException(namespace, "load of a key failed", cause);
  }

  /**
   * The cross-JVM part: take {@code lock:<key>} (SET NX PX) and load, or wait for the holder's value
   * by short polling. A holder that dies stops blocking once its lock expires; a waiter that sees
   * the lock gone without a value takes over. Loading without the lock would let every waiter load
   * at once, so a waiter does so only as a last resort: after twice the lock timeout, a holder
   * (or a chain of holders) that never stores a value.
   */
  private Hit<V> loadUnderLock(String key, long ttlMs, Supplier<? extends V> loader) {
    byte[] lockKey = lockKey(key);
    long deadline = ticker.read() + 2 * lockTimeoutNanos;
    boolean waited = false;
    while (true) {
      String token = newToken();
      boolean locked;
      try {
        locked = tryLock(lockKey, token);
      } catch (JedisException e) {
        failed("lock", e, null);
        return load(key, ttlMs, loader, null);
      }
      if (locked) {
        try {
          // The previous holder may have stored the value between our miss and our lock.
          Hit<V> landed = fetchQuietly(key);
          return landed != null ? landed : load(key, ttlMs, loader, null);
        } finally {
          release(lockKey, token);
        }
      }
      if (!waited) {
        waited = true;
        lockWaits.increment();
      }
      long pollNanos = FIRST_POLL_NANOS;
      while (true) {
        sleepNanos(pollNanos);
        pollNanos = Math.min(pollNanos * 2, MAX_POLL_NANOS);
        Hit<V> landed;
        boolean lockHeld;
        try {
          landed = fetch(key);
          if (landed != null) {
            return landed;
          }
          lockHeld = connection.client().exists(lockKey);
        } catch (JedisException e) {
          failed("get", e, null);
          return load(key, ttlMs, loader, null);
        }
        if (ticker.read() - deadline >= 0) {
          // Holders keep failing or hanging: load without the lock rather than wait forever.
          return load(key, ttlMs, loader, null);
        }
        if (!lockHeld) {
          break; // the holder is gone without a value: try to take over (one waiter wins)
        }
      }
    }
  }

  private Hit<V> fetchQuietly(String key) {
    try {
      return fetch(key);
    } catch (JedisException e) {
      return failed("get", e, null);
    }
  }

  /**
   * Calls the loader, timing it (δ), and stores a non-null result with δ and its expiry. A write
   * that landed while the loader ran is newer than the loaded value and wins: on a miss
   * ({@code replacing} null) the store is SET NX and a lost race returns the stored entry; an early
   * refresh replaces the entry only if it still holds {@code replacing}, the bytes it read.
   */
  private Hit<V> load(String key, long ttlMs, Supplier<? extends V> loader, byte[] replacing) {
    long start = ticker.read();
    V value;
    try {
      value = loader.get();
    } catch (RuntimeException | Error e) {
      loadFailures.increment();
      throw e;
    }
    long took = ticker.read() - start;
    loads.increment();
    loadNanos.add(took);
    if (value == null) {
      return null;
    }
    long deltaMs = TimeUnit.NANOSECONDS.toMillis(took);
    byte[] bytes = Envelope.wrap(encodeRaw(value), clock.millis() + ttlMs, deltaMs);
    Hit<V> hit = new Hit<>(value, clock.millis() + ttlMs, deltaMs);
    byte[] fullKey = fullKey(key);
    try {
      boolean stored;
      if (replacing == null) {
        stored = "OK".equals(connection.client().set(fullKey, bytes, SetParams.setParams().nx().px(ttlMs)));
      } else {
        Object r = connection.client().eval(COMPARE_AND_SET, List.of(fullKey),
            List.of(replacing, bytes, Long.toString(ttlMs).getBytes(UTF_8)));
        stored = Long.valueOf(1).equals(r);
      }
      if (!stored) {
        byte[] raw = connection.client().get(fullKey);
        Hit<V> newer = raw == null ? null : decodeOrDrop(fullKey, raw);
        if (newer != null) {
          return newer;
        }
      }
    } catch (JedisException e) {
      failed("set", e, null);
    }
    return hit;
  }

  private byte[] lockKey(String key) {
    byte[] k = fullKey(key);
    byte[] out = new byte[5 + k.length];
    System.arraycopy("lock:".getBytes(UTF_8), 0, out, 0, 5);
    System.arraycopy(k, 0, out, 5, k.length);
    return out;
  }

  private String newToken() {
    return instanceId + ":" + tokenSequence.incrementAndGet();
  }

  private boolean tryLock(byte[] lockKey, String token) {
    return "OK".equals(connection.client().set(lockKey, token.getBytes(UTF_8),
        SetParams.setParams().nx().px(lockTimeoutMillis)));
  }

  /** Compare-and-delete: a lock that expired and was taken by another holder is left alone. */
  private void release(byte[] lockKey, String token) {
    try {
      connection.client().eval(COMPARE_AND_DELETE, List.of(lockKey), List.of(token.getBytes(UTF_8)));
    } catch (JedisException e) {
      // The lock expires by itself; count it, never fail the caller's load for it.
      redisErrors.increment();
      LOG.debug("mesh-cache '{}': lock release failed: {}", namespace, e.toString());
    }
  }

  private void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException(namespace, "interrupted while waiting for another JVM's load", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Counters, sets, queues

  @Override
  public OptionalLong increment(String key, long delta, Duration ttlOnCreate) {
    checkKey(key, "key");
    long ms = ttlMillis(ttlOnCreate, "ttlOnCreate");
    try {
      Object r = connection.client().eval(INCR_WITH_TTL, List.of(fullKey(key)),
          List.of(Long.toString(delta).getBytes(UTF_8), Long.toString(ms).getBytes(UTF_8)));
      return OptionalLong.of((Long) r);
    } catch (JedisException e) {
      return failed("increment", e, OptionalLong.empty());
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
      byte[] raw = connection.client().get(fullKey(key));
      return raw == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(new String(raw, UTF_8)));
    } catch (JedisException e) {
      return failed("counter", e, OptionalLong.empty());
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public boolean addToSet(String key, V member) {
    checkKey(key, "key");
    Checks.notNull(member, "member");
    byte[] m = encodeRaw(member);
    try {
      Object r = connection.client().eval(SADD_WITH_TTL, List.of(fullKey(key)),
          List.of(Long.toString(defaultTtl.toMillis()).getBytes(UTF_8), m));
      return ((Long) r) > 0;
    } catch (JedisException e) {
      return failed("addToSet", e, false);
    }
  }

  @Override
  public boolean removeFromSet(String key, V member) {
    checkKey(key, "key");
    Checks.notNull(member, "member");
    byte[] m = encodeRaw(member);
    try {
      return connection.client().srem(fullKey(key), m) > 0;
    } catch (JedisException e) {
      return failed("removeFromSet", e, false);
    }
  }

  @Override
  public Set<V> setMembers(String key) {
    checkKey(key, "key");
    Set<byte[]> raw;
    try {
      raw = connection.client().smembers(fullKey(key));
    } catch (JedisException e) {
      return failed("setMembers", e, Set.of());
    }
    Set<V> out = new LinkedHashSet<>();
    for (byte[] r : raw) {
      V v = decodeMember(r);
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
    byte[] m = encodeRaw(value);
    try {
      connection.client().eval(RPUSH_WITH_TTL, List.of(fullKey(key)),
          List.of(Long.toString(defaultTtl.toMillis()).getBytes(UTF_8), m));
      return true;
    } catch (JedisException e) {
      return failed("push", e, false);
    }
  }

  @Override
  public V pop(String key) {
    checkKey(key, "key");
    byte[] raw;
    try {
      raw = connection.client().lpop(fullKey(key));
    } catch (JedisException e) {
      return failed("pop", e, null);
    }
    return raw == null ? null : decodeMember(raw);
  }

  @Override
  public V pop(String key, Duration timeout) {
    checkKey(key, "key");
    Checks.positive(timeout, "timeout");
    double seconds = Math.max(0.001, timeout.toNanos() / 1e9);
    KeyValue<byte[], byte[]> kv;
    try {
      kv = connection.client().blpop(seconds, fullKey(key));
    } catch (JedisException e) {
      return failed("pop", e, null);
    }
    return kv == null ? null : decodeMember(kv.getValue());
  }

  // ---------------------------------------------------------------------------------------------
  // Invalidation

  @Override
  public long invalidate(String pattern) {
    Checks.notNull(pattern, "pattern");
    Checks.argument(!pattern.isEmpty(), "pattern must not be empty");
    byte[] match = (prefix().text + pattern).getBytes(UTF_8);
    List<HostAndPort> masters;
    try {
      masters = liveMasters();
    } catch (JedisException e) {
      return failed("invalidate", e, 0L);
    }
    long deleted = 0;
    JedisException failure = null;
    for (HostAndPort master : masters) {
      try {
        deleted += scanAndDelete(master, match);
      } catch (JedisException e) {
        failure = e;
      }
    }
    if (failure != null) {
      failed("invalidate", failure, null);
    }
    return deleted;
  }

  /**
   * The masters that serve slots and are not marked failed, from CLUSTER NODES of the first node
   * that answers (the client's node map also holds replicas and dead nodes).
   */
  private List<HostAndPort> liveMasters() {
    JedisException last = null;
    for (ConnectionPool pool : connection.nodes().values()) {
      try (Connection c = pool.getResource()) {
        Object reply = c.executeCommand(new CommandArguments(Protocol.Command.CLUSTER).add("NODES"));
        String text = reply instanceof byte[] ? new String((byte[]) reply, UTF_8) : String.valueOf(reply);
        return parseMasters(text);
      } catch (JedisException e) {
        last = e;
      }
    }
    throw last != null ? last : new RedisUnavailableException("no cluster node known", null);
  }

  static List<HostAndPort> parseMasters(String clusterNodes) {
    List<HostAndPort> out = new ArrayList<>();
    for (String line : clusterNodes.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 9) {
        continue; // no slots: not serving anything
      }
      List<String> flags = List.of(f[2].split(","));
      if (!flags.contains("master") || flags.contains("fail") || flags.contains("noaddr")) {
        continue;
      }
      String addr = f[1];
      int at = addr.indexOf('@');
      out.add(HostAndPort.from(at < 0 ? addr : addr.substring(0, at)));
    }
    return out;
  }

  private long scanAndDelete(HostAndPort master, byte[] match) {
    ConnectionPool pool = connection.nodes().get(master.toString());
    try (Connection c = pool != null ? pool.getResource() : new Connection(master, connection.clientConfig())) {
      long deleted = 0;
      byte[] cursor = "0".getBytes(UTF_8);
      do {
        List<?> page = (List<?>) c.executeCommand(new CommandArguments(Protocol.Command.SCAN)
            .add(cursor).add("MATCH").add(match).add("COUNT").add(SCAN_COUNT));
        cursor = (byte[]) page.get(0);
        List<?> keys = (List<?>) page.get(1);
        if (!keys.isEmpty()) {
          deleted += unlinkBySlot(c, keys);
        }
      } while (!(cursor.length == 1 && cursor[0] == '0'));
      return deleted;
    }
  }

  /** UNLINK the keys of one master, one command per slot, pipelined on its connection. */
  private long unlinkBySlot(Connection c, List<?> keys) {
    Map<Integer, List<byte[]>> bySlot = new LinkedHashMap<>();
    for (Object k : keys) {
      byte[] key = (byte[]) k;
      bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(key), s -> new ArrayList<>()).add(key);
    }
    List<List<byte[]>> groups = new ArrayList<>(bySlot.values());
    for (List<byte[]> group : groups) {
      CommandArguments unlink = new CommandArguments(Protocol.Command.UNLINK);
      group.forEach(unlink::add);
      c.sendCommand(unlink);
    }
    List<Object> replies = c.getMany(groups.size());
    long deleted = 0;
    for (int g = 0; g < groups.size(); g++) {
      Object r = replies.get(g);
      if (r instanceof Long) {
        deleted += (Long) r;
      } else {
        // A slot moved during the scan: the cluster client follows the redirection.
        deleted += connection.client().unlink(groups.get(g).toArray(new byte[0][]));
      }
    }
    return deleted;
  }

  @Override
  public long invalidateAll() {
    long version;
    try {
      version = connection.client().incr(versionKey);
    } catch (JedisException e) {
      return failed("invalidateAll", e, -1L);
    }
    long now = ticker.read();
    // A concurrent version read may have installed an even newer version: keep the higher one.
    prefix.updateAndGet(p -> version > p.version ? newPrefix(version, now) : p);
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
    return new CacheStats(hits.sum(), misses.sum(), loads.sum(), loadFailures.sum(), loadNanos.sum(),
        lockWaits.sum(), earlyRefreshes.sum(), decodeFailures.sum(), redisErrors.sum());
  }

  JedisClusterConnection connection() {
    return connection;
  }

  Clock clock() {
    return clock;
  }

  Ticker ticker() {
    return ticker;
  }

  boolean strict() {
    return strict;
  }

  MeshEventListener listener() {
    return listener;
  }

  boolean isClosed() {
    return closed;
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
    return "DistributedCache{namespace=" + namespace + ", codec=" + codec + "}";
  }
}
