package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.TwoLevelCache;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisShardedPubSub;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The cross-JVM invalidation channel of one namespace, over sharded pub/sub, and the two threads
 * that keep it honest: a subscriber that resubscribes with backoff, and a checker that retries
 * failed publishes and detects a subscription that looks alive but delivers nothing.
 *
 * <ul>
 *   <li>Publishing runs one Lua script on the channel's shard: INCR of the sequence key, then
 *       SPUBLISH of {@code <seq>|<type>|<payload>}. Messages therefore arrive numbered without gaps;
 *       a gap means a lost message (L1 cleared).</li>
 *   <li>Every check interval, the sequence key is read; a number that was already issued at the
 *       previous check but has still not arrived means the subscription is silently dead: L1 is
 *       cleared and bypassed and the connection dropped, which resubscribes.</li>
 *   <li>A sequence read that fails proves nothing, and the subscription cannot tell either: its
 *       connection waits for messages without a timeout, so a node that stops answering (a
 *       partition, a host gone silent) looks like a quiet channel. Once the channel's node has not
 *       answered a sequence read for more than two check intervals, L1 is treated as above:
 *       cleared, bypassed, the connection dropped; it is used again after the resubscription,
 *       which re-reads the sequence.</li>
 *   <li>L1 is off until the subscription is confirmed; on every (re)subscription L1 is cleared and
 *       the sequence baseline re-read.</li>
 *   <li>A publish that fails is queued and retried by the checker: lost, it would leave the other
 *       JVMs' L1 stale for the whole L1 TTL.</li>
 * </ul>
 *
 * <p>Thread safe; {@link #start()} once, {@link #close()} once.
 */
final class InvalidationChannel {
  private static final Logger LOG = LoggerFactory.getLogger(TwoLevelCache.class);
  private static final long MIN_BACKOFF_MS = 20;
  private static final long MAX_BACKOFF_MS = 1000;
  private static final int MAX_UNPUBLISHED = 1024;

  /** The L1 this channel guards; called from the channel's threads. */
  interface Local {
    /** Drops {@code key}. */
    void evict(String key);

    /** Drops the keys matching the glob {@code pattern}. */
    void evictMatching(String pattern);

    /** Drops everything. */
    void clear();

    /** L1 may be used again (it was just cleared). */
    void activate();

    /** Clears L1 and bypasses it until {@link #activate()}: whether it was active before. */
    boolean deactivate();

    /** Whether L1 is in use. */
    boolean isActive();

    /** Called on the checker thread after every sequence check, for housekeeping. */
    default void afterCheck() {}
  }

  private final String namespace;
  private final JedisClusterConnection connection;
  private final KeySpace keySpace;
  private final RedisFailures failures;
  private final Local local;
  private final BiConsumer<CacheEvent.Kind, String> events;
  private final String channel;
  private final byte[] channelBytes;
  private final byte[] sequenceKey;
  private final int channelSlot;
  private final long checkIntervalMillis;
  /** Past {@link #MAX_UNPUBLISHED}, one "clear L1" message stands for all ({@link #unpublishedOverflow}). */
  private final ConcurrentLinkedQueue<String> unpublished = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unpublishedCount = new AtomicInteger();
  private final AtomicBoolean unpublishedOverflow = new AtomicBoolean();
  private final Thread subscriber;
  private final ScheduledExecutorService checker;

  private volatile boolean closed;
  private volatile Connection subscription;
  /** Written by the subscriber thread only. */
  private volatile long lastSequence;
  /** Read and written by the checker thread only. */
  private long pendingSequence;
  /**
   * Checker thread only: when the channel's node last answered a sequence read, or L1 was last
   * seen off (System.nanoTime: the checker is paced by its executor, in real time).
   */
  private long lastAnswerNanos = System.nanoTime();

  private final LongAdder published = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder gaps = new LongAdder();
  private final LongAdder subscriptions = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();

  /**
   * The channel of {@code l2}'s namespace, guarding {@code local}, checking every
   * {@code checkIntervalMillis}; {@code events} receives what an operator should know.
   */
  InvalidationChannel(L2Store<?> l2, Local local, long checkIntervalMillis,
      BiConsumer<CacheEvent.Kind, String> events) {
    CacheRuntime rt = l2.runtime();
    this.namespace = rt.namespace();
    this.connection = rt.connection();
    this.failures = rt.failures();
    this.keySpace = l2.keySpace();
    this.local = local;
    this.events = events;
    this.channel = "mesh4j:inv:{" + namespace + "}";
    this.channelBytes = channel.getBytes(UTF_8);
    this.sequenceKey = (channel + ":seq").getBytes(UTF_8);
    this.channelSlot = JedisClusterCRC16.getSlot(channel);
    this.checkIntervalMillis = checkIntervalMillis;
    this.subscriber = new Thread(this::subscribeLoop, "mesh4j-cache-invalidation-" + namespace);
    subscriber.setDaemon(true);
    this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mesh4j-cache-sequence-check-" + namespace);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts subscribing and checking in the background. */
  void start() {
    subscriber.start();
    checker.scheduleWithFixedDelay(this::checkRound, checkIntervalMillis, checkIntervalMillis,
        TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing

  /**
   * Tells the other JVMs: {@code type} K (a key), P (a pattern), A (a new namespace version). A
   * failure queues the message for the checker, then goes to {@link RedisFailures} (which throws in
   * strict mode).
   */
  void publish(char type, String payload) {
    String message = type + "|" + payload;
    try {
      send(message);
    } catch (JedisException e) {
      publishFailures.increment();
      retryLater(message); // before failed(): in strict mode it throws
      failures.failed("publish invalidation", e, null);
    }
  }

  private void send(String message) {
    connection.client().eval(RedisScripts.PUBLISH, List.of(sequenceKey),
        List.of(channelBytes, message.getBytes(UTF_8)));
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
      LOG.debug("mesh-cache '{}': publishing a queued invalidation failed again: {}", namespace, e.toString());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  private void subscribeLoop() {
    long backoff = MIN_BACKOFF_MS;
    while (!closed) {
      Connection c = null;
      boolean subscribed = false;
      try {
        HostAndPort node = connection.nodeForSlot(channelSlot);
        c = new Connection(node, connection.clientConfig());
        subscription = c;
        if (closed) {
          break;
        }
        Listener pubsub = new Listener();
        pubsub.proceed(c, channel);
        subscribed = pubsub.subscribed;
        // proceed() returned: the server unsubscribed us (the slot moved) or close() did.
      } catch (RuntimeException e) {
        LOG.debug("mesh-cache '{}': invalidation subscription ended: {}", namespace, e.toString());
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
      connection.refreshTopology();
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
    local.clear();
    subscriptions.increment();
    local.activate();
    events.accept(CacheEvent.Kind.L1_RESUMED, "invalidation channel subscribed");
  }

  private long readSequence() {
    byte[] raw = connection.client().get(sequenceKey);
    connection.answered();
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
      LOG.debug("mesh-cache '{}': ignored a malformed invalidation message", namespace);
      return;
    }
    long last = lastSequence;
    if (seq > last + 1) {
      gaps.increment();
      local.clear();
      events.accept(CacheEvent.Kind.INVALIDATION_GAP, "expected " + (last + 1) + ", got " + seq);
    }
    if (seq > last) {
      lastSequence = seq;
    }
    String payload = message.substring(b + 1);
    switch (message.charAt(a + 1)) {
      case 'K' -> local.evict(payload);
      case 'P' -> local.evictMatching(payload);
      case 'A' -> {
        // New namespace version: make L2 reads use it before L1 refills from them.
        keySpace.refreshVersionNow();
        local.clear();
      }
      default -> local.clear();
    }
    received.increment(); // counted once applied: a reader that sees the count sees the eviction
  }

  /** One round of the checker: the sequence check, then the L1's housekeeping. */
  private void checkRound() {
    checkSequence();
    if (!closed) {
      try {
        local.afterCheck();
      } catch (RuntimeException e) {
        LOG.debug("mesh-cache '{}': L1 housekeeping failed", namespace, e);
      }
    }
  }

  /**
   * Runs every check interval: a sequence number that Redis had issued at the previous check and
   * that still has not arrived means the subscription delivers nothing although it looks alive.
   */
  private void checkSequence() {
    if (!closed) {
      retryUnpublished();
    }
    if (closed || !local.isActive()) {
      pendingSequence = 0;
      lastAnswerNanos = System.nanoTime();
      return;
    }
    long issued;
    try {
      issued = readSequence();
    } catch (RuntimeException e) {
      unanswered(e);
      return;
    }
    lastAnswerNanos = System.nanoTime();
    long seen = lastSequence;
    if (pendingSequence > 0 && seen < pendingSequence) {
      gaps.increment();
      events.accept(CacheEvent.Kind.INVALIDATION_GAP,
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

  /**
   * A sequence read failed: within two check intervals of the last answer, a blip; past them, the
   * channel cannot be trusted, so L1 goes off and the subscription is dropped to be made again.
   */
  private void unanswered(RuntimeException e) {
    long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAnswerNanos);
    if (silentMillis <= 2 * checkIntervalMillis) {
      LOG.debug("mesh-cache '{}': sequence check failed: {}", namespace, e.toString());
      return;
    }
    pendingSequence = 0;
    markDown("the invalidation channel's node has not answered for " + silentMillis + " ms: " + e);
    Connection c = subscription;
    if (c != null) {
      closeQuietly(c); // unblocks the subscriber thread, which resubscribes once the node answers
    }
  }

  /** Bypass and clear L1 until the next confirmed subscription. */
  private void markDown(String reason) {
    boolean wasActive = local.deactivate();
    if (wasActive && !closed) {
      LOG.debug("mesh-cache '{}': L1 bypassed: {}", namespace, reason);
      events.accept(CacheEvent.Kind.L1_BYPASSED, reason);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.disconnect();
    } catch (RuntimeException e) {
      LOG.trace("closing a subscription connection failed", e);
    }
  }

  long published() {
    return published.sum();
  }

  long received() {
    return received.sum();
  }

  long gaps() {
    return gaps.sum();
  }

  long subscriptions() {
    return subscriptions.sum();
  }

  /** Invalidations whose first publish failed (each was queued for the checker to retry). */
  long publishFailures() {
    return publishFailures.sum();
  }

  /**
   * Invalidations waiting to be published again: the queued ones, plus one for the "clear L1"
   * message that stands for those dropped when the queue overflowed.
   */
  long queued() {
    return unpublishedCount.get() + (unpublishedOverflow.get() ? 1 : 0);
  }

  /** Stops both threads and drops the subscription; waits up to 2 s for the subscriber to end. */
  void close() {
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
  }
}
