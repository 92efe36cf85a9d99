package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.api.Ticker;
import io.mesh4j.cache.DistributedCache;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The key layout of one namespace: {@code <ns>:<version>:<key>} for entries,
 * {@code <ns>:#lock:<version>:<key>} for a load's lock, {@code <ns>:#version} for the version
 * itself. {@code invalidateAll} increments the version, so every key of the old one is unreachable
 * at once and expires by itself.
 *
 * <p>The layouts are disjoint by construction: a namespace holds no {@code :}, so the first
 * {@code :} of every key ends its namespace, and what follows is a digit for an entry and {@code #}
 * for the namespace's own bookkeeping. (Locks used to be {@code lock:<ns>:<version>:<key>}, which is
 * also an entry of namespace {@code lock}: its {@code invalidate("*")} deleted other namespaces'
 * locks.)
 *
 * <p>Each JVM caches the version and re-reads it once per check interval (one thread at a time;
 * the others keep using the prefix they have). The version only grows, so a read that raced a newer
 * one never puts the older version back ({@link #install}). Redis is reached through one function
 * (GET of the version key), so the rules here are testable without a server.
 *
 * <p>Thread safe: the prefix is one immutable value replaced by compare-and-set.
 */
final class KeySpace {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedCache.class);

  private final String namespace;
  private final byte[] versionKey;
  private final long versionCheckNanos;
  private final Ticker ticker;
  private final UnaryOperator<byte[]> get;
  private final AtomicBoolean versionRefreshing = new AtomicBoolean();
  /**
   * Replaced only by compare-and-set, so a version read that raced a newer one (another JVM's
   * invalidateAll, announced and re-read meanwhile) never puts the older version back.
   */
  private final AtomicReference<Prefix> prefix = new AtomicReference<>();

  /** The current namespace version and the key prefix derived from it. */
  record Prefix(long version, String text, byte[] bytes, long checkedAtNanos) {
    Prefix checkedAt(long nanos) {
      return new Prefix(version, text, bytes, nanos);
    }
  }

  /**
   * The key space of {@code namespace}, re-reading its version every {@code versionCheckNanos} with
   * {@code get}: GET of a key in Redis (the version key), which may throw a {@link JedisException}.
   */
  KeySpace(String namespace, long versionCheckNanos, Ticker ticker, UnaryOperator<byte[]> get) {
    this.namespace = namespace;
    this.versionKey = (namespace + ":#version").getBytes(UTF_8);
    this.versionCheckNanos = versionCheckNanos;
    this.ticker = ticker;
    this.get = get;
    // Version 0 until Redis says otherwise; checkedAt in the past makes the first call read it.
    this.prefix.set(newPrefix(0, ticker.read() - versionCheckNanos));
  }

  private Prefix newPrefix(long version, long checkedAt) {
    String text = namespace + ":" + version + ":";
    return new Prefix(version, text, text.getBytes(UTF_8), checkedAt);
  }

  String namespace() {
    return namespace;
  }

  /** The key that holds the namespace version (INCR by invalidateAll). */
  byte[] versionKey() {
    return versionKey;
  }

  /** The current prefix, re-reading the namespace version when it is due (one thread at a time). */
  Prefix prefix() {
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
      byte[] raw = get.apply(versionKey);
      version = raw == null ? 0 : Long.parseLong(new String(raw, UTF_8));
    } catch (JedisException | NumberFormatException e) {
      // Keep the version we know; try again after the next interval rather than on every call.
      LOG.debug("mesh-cache '{}': namespace version read failed: {}", namespace, e.toString());
      // From the end of the failed read: a read that timed out must not fall due again at once.
      prefix.compareAndSet(seen, seen.checkedAt(Math.max(now, ticker.read())));
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

  /**
   * Installs {@code version}, just returned by invalidateAll's INCR. A concurrent version read may
   * have installed an even newer version: the higher one is kept.
   */
  void advanceTo(long version) {
    long now = ticker.read();
    prefix.updateAndGet(p -> version > p.version ? newPrefix(version, now) : p);
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
  long version() {
    return prefix().version;
  }

  /** {@code key} under the current prefix. */
  byte[] fullKey(String key) {
    return fullKey(prefix(), key);
  }

  /** {@code key} under {@code p}: one prefix for all keys of a multi-key call. */
  static byte[] fullKey(Prefix p, String key) {
    byte[] k = key.getBytes(UTF_8);
    byte[] out = new byte[p.bytes.length + k.length];
    System.arraycopy(p.bytes, 0, out, 0, p.bytes.length);
    System.arraycopy(k, 0, out, p.bytes.length, k.length);
    return out;
  }

  /** The lock key of {@code key}'s load: {@code <ns>:#lock:<version>:<key>}. */
  byte[] lockKey(String key) {
    return lockKey(prefix(), key);
  }

  /** The lock key of {@code key}'s load under {@code p}'s version. */
  byte[] lockKey(Prefix p, String key) {
    byte[] lock = (namespace + ":#lock:" + p.version + ":").getBytes(UTF_8);
    byte[] k = key.getBytes(UTF_8);
    byte[] out = new byte[lock.length + k.length];
    System.arraycopy(lock, 0, out, 0, lock.length);
    System.arraycopy(k, 0, out, lock.length, k.length);
    return out;
  }

  /** The SCAN pattern of {@code glob} under the current prefix. */
  byte[] pattern(String glob) {
    return (prefix().text + glob).getBytes(UTF_8);
  }

  /** {@code key}, checked: not null, not empty; {@code name} is the argument's name in the message. */
  static String checkKey(String key, String name) {
    if (key == null) {
      throw new NullPointerException(name + " must not be null");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return key;
  }
}
