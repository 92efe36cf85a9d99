package io.mesh4j.discovery.internal;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.Ticker;
import io.mesh4j.discovery.ConsistencyMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * Everything a {@link Watch} needs besides its service name. Immutable; validated by the public
 * builder.
 *
 * @param queryWait the blocking query's wait
 * @param passingOnly only instances whose checks all pass
 * @param tags instances must carry all of these
 * @param datacenter the datacenter, or null for the agent's
 * @param consistency read consistency
 * @param nearAgent sort by round-trip time from the agent's node
 * @param minQueryInterval minimum time between the starts of two queries
 * @param backoffMin first error backoff
 * @param backoffMax largest error backoff
 * @param listenerExecutor where listeners run
 * @param events metrics hook, or null
 * @param ticker the time source for intervals
 * @param random jitter source; shared by watch threads, so used under its own lock
 * @param idleTimeout a watch nobody read nor subscribed to for this long stops; zero: never
 */
public record WatchSettings(Duration queryWait, boolean passingOnly, List<String> tags, String datacenter,
    ConsistencyMode consistency, boolean nearAgent, Duration minQueryInterval, Duration backoffMin,
    Duration backoffMax, Executor listenerExecutor, MeshEventListener events, Ticker ticker,
    RandomGenerator random, Duration idleTimeout) {

  /** Copies the tag list. */
  public WatchSettings {
    tags = List.copyOf(tags);
  }

  /** These settings for {@code dc} instead of this datacenter. */
  public WatchSettings withDatacenter(String dc) {
    return new WatchSettings(queryWait, passingOnly, tags, dc, consistency, nearAgent, minQueryInterval,
        backoffMin, backoffMax, listenerExecutor, events, ticker, random, idleTimeout);
  }

  /** A random value in [0, 1). */
  double nextRandom() {
    synchronized (random) {
      return random.nextDouble();
    }
  }
}
