package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.cache.TwoLevelCacheStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisShardedPubSub;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * {@link TwoLevelCache}: Caffeine over {@link DistributedCacheImpl}, invalidated over sharded
 * pub/sub.
 *
 * <p>Coherence rules, in code order:
 * <ul>
 *   <li>Every invalidation applied to L1 first bumps {@link #generation}. A reader notes the
 *       generation before it reads L2 and, after putting the value in L1, removes it again if the
 *       generation moved: an invalidation that raced with the read can never leave the old value in
 *       L1.</li>
 *   <li>Publishing runs one Lua script on the channel's shard: INCR of the sequence key, then
 *       SPUBLISH of {@code <seq>|<type>|<payload>}. Messages therefore arrive numbered without gaps;
 *       a gap means a lost message (L1 cleared).</li>
 *   <li>Every check interval, the sequence key is read; a number that was already issued at the
 *       previous check but has still not arrived means the subscription is silently dead: L1 is
 *       cleared and bypassed and the connection dropped, which resubscribes.</li>
 *   <li>L1 is off until the subscription is confirmed; on every (re)subscription L1 is cleared and
 *       the sequence baseline re-read.</li>
 * </ul>
 */
public final class TwoLevelCacheImpl<V> implements TwoLevelCache<V> {
  private static final Logger LOG = LoggerFactory.getLogger(TwoLevelCache.class);
  private static final byte[] PUBLISH = (
      "local s = redis.call('incr', KEYS[1]) "
          + "redis.call('spublish', ARGV[1], s .. '|' .. ARGV[2]) "
          + "return s").getBytes(UTF_8);
  private static final long MIN_BACKOFF_MS = 20;
  private static final long MAX_BACKOFF_MS = 1000;
  private static final int MAX_UNPUBLISHED = 1024;

  private final DistributedCacheImpl<V> l2;
  /**
   * Holds a V, or a {@link Bounded} wrapping one whose L2 TTL ends before the L1 TTL would. Fixed
   * expire-after-write keeps Caffeine's read path as cheap as a plain Caffeine cache's (variable
   * expiry writes to the entry on every read); the rare short-lived entry pays one ticker read.
   */
  private final Cache<String, Object> l1;
  private final long l1TtlNanos;
  private final io.mesh4j.api.Ticker ticker;
  private final MeshEventListener listener;
  private final String channel;
  private final byte[] channelBytes;
  private final byte[] sequenceKey;
  private final int channelSlot;
  private final long checkIntervalMillis;
  private final AtomicLong generation = new AtomicLong();
  /**
   * Invalidations whose publish failed, retried by the checker thread: lost, they would leave the
   * other JVMs' L1 stale for the whole L1 TTL. Past {@link #MAX_UNPUBLISHED}, one "clear L1"
   * message stands for all of them ({@link #unpublishedOverflow}).
   */
  private final ConcurrentLinkedQueue<String> unpublished = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unpublishedCount = new AtomicInteger();
  private final AtomicBoolean unpublishedOverflow = new AtomicBoolean();
  private final Thread subscriber;
  private final ScheduledExecutorService checker;

  private volatile boolean l1Active;
  private volatile boolean closed;
  private volatile Connection subscription;
  /** Written by the subscriber thread only. */
  private volatile long lastSequence;
  /** Read and written by the checker thread only. */
  private long pendingSequence;

  private final LongAdder l1Hits = new LongAdder();
  private final LongAdder l1Misses = new LongAdder();
  private final LongAdder l1Bypassed = new LongAdder();
  private final LongAdder published = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder gaps = new LongAdder();
  private final LongAdder subscriptions = new LongAdder();

  /** Builds the cache and starts its subscription in the background. */
  public TwoLevelCacheImpl(DistributedCacheImpl<V> l2, long l1MaximumSize, Duration l1Ttl,
      Duration checkInterval, MeshEventListener listener) {
    this.l2 = l2;
    this.l1TtlNanos = l1Ttl.toNanos();
    this.listener = listener;
    this.ticker = l2.ticker();
    this.l1 = Caffeine.newBuilder()
        .maximumSize(l1MaximumSize)
        // With the default ticker, Caffeine gets its own: the L1 is then configured exactly like a
        // plain Caffeine cache, and a test's injected ticker still moves L1 expiry.
        .ticker(ticker == io.mesh4j.api.Ticker.system()
            ? com.github.benmanes.caffeine.cache.Ticker.systemTicker() : ticker::read)
        .expireAfterWrite(l1TtlNanos, TimeUnit.NANOSECONDS)
        .build();
    String ns = l2.namespace();
    this.channel = "mesh4j:inv:{" + ns + "}";
    this.channelBytes = channel.getBytes(UTF_8);
    this.sequenceKey = (channel + ":seq").getBytes(UTF_8);
    this.channelSlot = JedisClusterCRC16.getSlot(channel);
    this.checkIntervalMillis = checkInterval.toMillis();
    this.subscriber = new Thread(this::subscribeLoop, "mesh4j-cache-invalidation-" + ns);
    subscriber.setDaemon(true);
    this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mesh4j-cache-sequence-check-" + ns);
      t.setDaemon(true);
      return t;
    });
    subscriber.start();
    checker.scheduleWithFixedDelay(this::checkSequence, checkIntervalMillis, checkIntervalMillis,
        TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  @Override
  public V get(String key) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    // The hit path: one volatile read, one Caffeine lookup, one striped counter. No codec, no
    // future, no key encoding.
    if (l1Active) {
      Object o = l1.getIfPresent(key);
      if (o != null) {
        V v = o instanceof Bounded ? unwrap(key, (Bounded) o) : cast(o);
        if (v != null) {
          l1Hits.increment();
          return v;
        }
      }
    }
    return getFromL2(key);
  }

  /** An L1 entry whose L2 TTL ends before the L1 TTL: valid until {@code expiresAtNanos}. */
  private static final class Bounded {
    final Object value;
    final long expiresAtNanos;

    Bounded(Object value, long expiresAtNanos) {
      this.value = value;
      this.expiresAtNanos = expiresAtNanos;
    }
  }

  private V unwrap(String key, Bounded b) {
    if (ticker.read() - b.expiresAtNanos < 0) {
      return cast(b.value);
    }
    l1.asMap().remove(key, b);
    return null;
  }

  /** L1 holds only values of type V (put by {@link #fill}) and Bounded wrappers of them. */
  @SuppressWarnings("unchecked")
  private V cast(Object o) {
    return (V) o;
  }

  /** The value L1 holds for {@code key}, or null. */
  private V l1Value(String key) {
    Object o = l1.getIfPresent(key);
    if (o == null) {
      return null;
    }
    return o instanceof Bounded ? unwrap(key, (Bounded) o) : cast(o);
  }

  private V getFromL2(String key) {
    DistributedCacheImpl.checkKey(key, "key");
    boolean active = countL1Miss();
    long gen = generation.get();
    Hit<V> hit = l2.getEntry(key);
    if (hit == null) {
      return null;
    }
    if (active) {
      fill(key, hit, gen);
    }
    return hit.value();
  }

  private boolean countL1Miss() {
    boolean active = l1Active;
    (active ? l1Misses : l1Bypassed).increment();
    return active;
  }

  /**
   * Puts an L2 entry read under generation {@code gen} into L1, for no longer than its L2 TTL, and
   * takes it out again if an invalidation was applied meanwhile.
   */
  private void fill(String key, Hit<V> hit, long gen) {
    if (generation.get() != gen) {
      return;
    }
    long remaining = TimeUnit.MILLISECONDS.toNanos(hit.expiresAtMillis() - l2.clock().millis());
    long ttl = Math.min(l1TtlNanos, remaining);
    if (ttl <= 0) {
      return;
    }
    Object stored = ttl < l1TtlNanos ? new Bounded(hit.value(), ticker.read() + ttl) : hit.value();
    l1.put(key, stored);
    if (generation.get() != gen || !l1Active) {
      l1.asMap().remove(key, stored);
    }
  }

  @Override
  public Map<String, V> getMulti(Collection<String> keys) {
    if (keys == null) {
      throw new NullPointerException("keys must not be null");
    }
    Map<String, V> out = new LinkedHashMap<>();
    List<String> rest = new ArrayList<>();
    boolean active = l1Active;
    int i = 0;
    for (String key : keys) {
      DistributedCacheImpl.checkKey(key, "keys[" + i++ + "]");
      V v = active ? l1Value(key) : null;
      if (v != null) {
        l1Hits.increment();
        out.put(key, v);
      } else {
        (active ? l1Misses : l1Bypassed).increment();
        rest.add(key);
      }
    }
    if (!rest.isEmpty()) {
      long gen = generation.get();
      Map<String, Hit<V>> loaded = l2.getMultiEntries(rest);
      loaded.forEach((k, hit) -> {
        out.put(k, hit.value());
        if (active) {
          fill(k, hit, gen);
        }
      });
    }
    return out;
  }

  @Override
  public V getOrLoad(String key, Supplier<? extends V> loader) {
    return getOrLoad(key, l2.defaultTtl(), loader);
  }

  @Override
  public V getOrLoad(String key, Duration ttl, Supplier<? extends V> loader) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    if (l1Active) {
      V v = l1Value(key);
      if (v != null) {
        l1Hits.increment();
        return v;
      }
    }
    boolean active = countL1Miss();
    long gen = generation.get();
    Hit<V> hit = l2.getOrLoadEntry(key, ttl, loader);
    if (hit == null) {
      return null;
    }
    if (active) {
      fill(key, hit, gen);
    }
    return hit.value();
  }

  // ---------------------------------------------------------------------------------------------
  // Writes: L2, then publish, then this L1

  @Override
  public boolean set(String key, V value) {
    return set(key, value, l2.defaultTtl());
  }

  @Override
  public boolean set(String key, V value, Duration ttl) {
    boolean stored = l2.set(key, value, ttl);
    // Published even if L2 reported a failure: the write may have landed before the error.
    publish('K', key);
    evictLocally(key);
    return stored;
  }

  @Override
  public boolean delete(String key) {
    boolean existed = l2.delete(key);
    publish('K', key);
    evictLocally(key);
    return existed;
  }

  @Override
  public long invalidate(String pattern) {
    long deleted = l2.invalidate(pattern);
    publish('P', pattern);
    generation.incrementAndGet();
    evictMatching(pattern);
    return deleted;
  }

  @Override
  public long invalidateAll() {
    long version = l2.invalidateAll();
    publish('A', Long.toString(version));
    generation.incrementAndGet();
    l1.invalidateAll();
    return version;
  }

  private void evictLocally(String key) {
    generation.incrementAndGet();
    l1.invalidate(key);
  }

  private void evictMatching(String glob) {
    Pattern p = Glob.toRegex(glob);
    l1.asMap().keySet().removeIf(k -> p.matcher(k).matches());
  }

  private void publish(char type, String payload) {
    String message = type + "|" + payload;
    try {
      send(message);
    } catch (JedisException e) {
      retryLater(message); // before failed(): in strict mode it throws
      l2.failed("publish invalidation", e, null);
    }
  }

  private void send(String message) {
    l2.connection().client().eval(PUBLISH, List.of(sequenceKey), List.of(channelBytes, message.getBytes(UTF_8)));
    published.increment();
  }

  private void retryLater(String message) {
    if (unpublishedCount.incrementAndGet() > MAX_UNPUBLISHED) {
      unpublishedCount.decrementAndGet();
      unpublishedOverflow.set(true);
    } else {
      unpublished.add(message);
    }
  }

  /** Checker thread: publishes the queued invalidations in order, stopping at the first failure. */
  private void retryUnpublished() {
    try {
      if (unpublishedOverflow.compareAndSet(true, false)) {
        try {
          send("C|unpublished invalidations overflowed"); // an unknown type: receivers clear L1
        } catch (JedisException e) {
          unpublishedOverflow.set(true);
          throw e;
        }
      }
      String message;
      while ((message = unpublished.peek()) != null) {
        send(message);
        unpublished.poll(); // only this thread removes: the same message peek returned
        unpublishedCount.decrementAndGet();
      }
    } catch (JedisException e) {
      LOG.debug("mesh-cache '{}': publishing a queued invalidation failed again: {}", l2.namespace(), e.toString());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The invalidation channel

  private void subscribeLoop() {
    long backoff = MIN_BACKOFF_MS;
    while (!closed) {
      Connection c = null;
      boolean subscribed = false;
      try {
        HostAndPort node = l2.connection().nodeForSlot(channelSlot);
        c = new Connection(node, l2.connection().clientConfig());
        subscription = c;
        if (closed) {
          break;
        }
        Listener pubsub = new Listener();
        pubsub.proceed(c, channel);
        subscribed = pubsub.subscribed;
        // proceed() returned: the server unsubscribed us (the slot moved) or close() did.
      } catch (RuntimeException e) {
        LOG.debug("mesh-cache '{}': invalidation subscription ended: {}", l2.namespace(), e.toString());
      } finally {
        subscription = null;
        if (c != null) {
          closeQuietly(c);
        }
        markDown("invalidation subscription lost");
      }
      if (closed) {
        break;
      }
      l2.connection().refreshTopology();
      backoff = subscribed ? MIN_BACKOFF_MS : Math.min(backoff * 2, MAX_BACKOFF_MS);
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        if (closed) {
          break;
        }
      }
    }
  }

  /** Receives the namespace's invalidations on the subscriber thread. */
  private final class Listener extends JedisShardedPubSub {
    boolean subscribed;

    @Override
    public void onSSubscribe(String ch, int count) {
      subscribed = true;
      onSubscribed();
    }

    @Override
    public void onSMessage(String ch, String message) {
      onInvalidation(message);
    }
  }

  /** Subscribed: take the current sequence as the baseline, start L1 from empty, use it. */
  private void onSubscribed() {
    lastSequence = readSequence();
    generation.incrementAndGet();
    l1.invalidateAll();
    subscriptions.increment();
    l1Active = true;
    emit(CacheEvent.Kind.L1_RESUMED, "invalidation channel subscribed");
  }

  private long readSequence() {
    byte[] raw = l2.connection().client().get(sequenceKey);
    return raw == null ? 0 : Long.parseLong(new String(raw, UTF_8));
  }

  private void onInvalidation(String message) {
    int a = message.indexOf('|');
    int b = a < 0 ? -1 : message.indexOf('|', a + 1);
    long seq;
    try {
      seq = b == a + 2 ? Long.parseLong(message.substring(0, a)) : -1;
    } catch (NumberFormatException e) {
      seq = -1;
    }
    if (seq < 0) {
      LOG.debug("mesh-cache '{}': ignored a malformed invalidation message", l2.namespace());
      return;
    }
    long last = lastSequence;
    if (seq > last + 1) {
      gaps.increment();
      generation.incrementAndGet();
      l1.invalidateAll();
      emit(CacheEvent.Kind.INVALIDATION_GAP, "expected " + (last + 1) + ", got " + seq);
    }
    if (seq > last) {
      lastSequence = seq;
    }
    String payload = message.substring(b + 1);
    switch (message.charAt(a + 1)) {
      case 'K' -> evictLocally(payload);
      case 'P' -> {
        generation.incrementAndGet();
        evictMatching(payload);
      }
      case 'A' -> {
        // New namespace version: make L2 reads use it before L1 refills from them.
        l2.refreshVersionNow();
        generation.incrementAndGet();
        l1.invalidateAll();
      }
      default -> {
        generation.incrementAndGet();
        l1.invalidateAll();
      }
    }
    received.increment(); // counted once applied: a reader that sees the count sees the eviction
  }

  /**
   * Runs every check interval: a sequence number that Redis had issued at the previous check and
   * that still has not arrived means the subscription delivers nothing although it looks alive.
   */
  private void checkSequence() {
    if (!closed) {
      retryUnpublished();
    }
    if (closed || !l1Active) {
      pendingSequence = 0;
      return;
    }
    long issued;
    try {
      issued = readSequence();
    } catch (RuntimeException e) {
      LOG.debug("mesh-cache '{}': sequence check failed: {}", l2.namespace(), e.toString());
      return;
    }
    long seen = lastSequence;
    if (pendingSequence > 0 && seen < pendingSequence) {
      gaps.increment();
      emit(CacheEvent.Kind.INVALIDATION_GAP,
          "sequence " + pendingSequence + " issued but not received after " + checkIntervalMillis + "ms");
      markDown("invalidation messages lost");
      pendingSequence = 0;
      Connection c = subscription;
      if (c != null) {
        closeQuietly(c); // unblocks the subscriber thread, which resubscribes
      }
      return;
    }
    pendingSequence = issued > seen ? issued : 0;
  }

  /** Bypass and clear L1 until the next confirmed subscription. */
  private void markDown(String reason) {
    boolean wasActive = l1Active;
    l1Active = false;
    generation.incrementAndGet();
    l1.invalidateAll();
    if (wasActive && !closed) {
      LOG.debug("mesh-cache '{}': L1 bypassed: {}", l2.namespace(), reason);
      emit(CacheEvent.Kind.L1_BYPASSED, reason);
    }
  }

  private void emit(CacheEvent.Kind kind, String detail) {
    if (listener == null) {
      l2.emit(kind, detail);
      return;
    }
    try {
      listener.onEvent(new CacheEvent(kind, l2.namespace(), detail, l2.clock().millis()));
    } catch (RuntimeException e) {
      LOG.debug("mesh-cache '{}': event listener threw", l2.namespace(), e);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.disconnect();
    } catch (RuntimeException e) {
      LOG.trace("closing a subscription connection failed", e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public String namespace() {
    return l2.namespace();
  }

  @Override
  public boolean isL1Active() {
    return l1Active;
  }

  @Override
  public DistributedCache<V> l2() {
    return l2;
  }

  @Override
  public TwoLevelCacheStats stats() {
    return new TwoLevelCacheStats(l1Hits.sum(), l1Misses.sum(), l1Bypassed.sum(), l1.estimatedSize(),
        l1Active, published.sum(), received.sum(), gaps.sum(), subscriptions.sum(), l2.stats());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    checker.shutdownNow();
    Connection c = subscription;
    if (c != null) {
      closeQuietly(c);
    }
    subscriber.interrupt();
    try {
      subscriber.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    l1Active = false;
    l1.invalidateAll();
    l2.close();
  }

  @Override
  public String toString() {
    return "TwoLevelCache{namespace=" + l2.namespace() + ", l1Active=" + l1Active + "}";
  }
}
