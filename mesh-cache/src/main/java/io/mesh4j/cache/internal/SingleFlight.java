package io.mesh4j.cache.internal;

import io.mesh4j.cache.CacheException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One load per key in this JVM: concurrent callers of the same key share the result of the one that
 * runs (the leader), or its exception. A waiter waits at most {@code waitNanos}; then the leader
 * looks hung and one fresh flight replaces it: its one winner runs the work, the other waiters wait
 * for that flight instead. No Redis here; the cross-JVM part is {@link LoadCoordinator}'s.
 *
 * <p>Thread safe.
 *
 * @param <T> what a flight produces
 */
final class SingleFlight<T> {
  private final ConcurrentHashMap<String, CompletableFuture<T>> flights = new ConcurrentHashMap<>();
  private final long waitNanos;
  private final String namespace;
  private final Runnable onFollow;

  /** Flights of the cache of {@code namespace} (named in exceptions), waiting {@code waitNanos}. */
  SingleFlight(long waitNanos, String namespace) {
    this(waitNanos, namespace, () -> {});
  }

  /**
   * As {@link #SingleFlight(long, String)}; {@code onFollow} runs once per caller of {@link #run}
   * that found a flight of its key running and waited for it (a follower).
   */
  SingleFlight(long waitNanos, String namespace, Runnable onFollow) {
    this.waitNanos = waitNanos;
    this.namespace = namespace;
    this.onFollow = onFollow;
  }

  /**
   * Runs {@code work} once for all concurrent callers of {@code key}: the leader runs it, the others
   * wait for its result (or take over after the wait, see the class comment).
   *
   * @throws RuntimeException or Error what {@code work} threw, in every caller that waited for it
   * @throws CacheException if interrupted while waiting (the interrupt flag is set again)
   */
  T run(String key, Supplier<T> work) {
    CompletableFuture<T> mine = new CompletableFuture<>();
    CompletableFuture<T> running = flights.putIfAbsent(key, mine);
    if (running != null) {
      onFollow.run(); // once per caller, even if it takes over a hung flight later
    }
    while (running != null) {
      try {
        return running.get(waitNanos, TimeUnit.NANOSECONDS);
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
      T result = work.get();
      mine.complete(result);
      return result;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      flights.remove(key, mine);
    }
  }

  /**
   * Leads a flight of {@code key} only if none runs: the flight, which the caller must
   * {@linkplain Flight#finish finish}, or null if one already runs (the caller does not wait).
   */
  Flight<T> tryLead(String key) {
    CompletableFuture<T> mine = new CompletableFuture<>();
    return flights.putIfAbsent(key, mine) == null ? new Flight<>(this, key, mine) : null;
  }

  /** Whether a flight of {@code key} runs now. */
  boolean isRunning(String key) {
    return flights.containsKey(key);
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

  /** A flight led by {@link #tryLead}: callers that come meanwhile wait for {@link #finish}. */
  static final class Flight<T> {
    private final SingleFlight<T> owner;
    private final String key;
    private final CompletableFuture<T> future;

    private Flight(SingleFlight<T> owner, String key, CompletableFuture<T> future) {
      this.owner = owner;
      this.key = key;
      this.future = future;
    }

    /** Hands {@code result} to the waiting callers and ends the flight. */
    void finish(T result) {
      future.complete(result);
      owner.flights.remove(key, future);
    }
  }
}
