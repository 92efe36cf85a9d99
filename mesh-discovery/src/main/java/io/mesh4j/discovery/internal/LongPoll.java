package io.mesh4j.discovery.internal;

import java.math.BigInteger;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocking query loop of a {@link Watch} that is not shared, run on the watch's own thread:
 * the index bookkeeping (reset when it goes back, 0 read as 1), the pacing between queries (at
 * least {@code minQueryInterval}, one skip after a real change per interval), the backoff after
 * failures, and a sleep that only {@link Watch#stop()} ends. See {@link Watch} for why each step
 * is there.
 */
final class LongPoll implements Runnable {
  // The watch's logger: what users configure for watches covers the loop too.
  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);

  private final Watch watch;
  private final String service;
  private final WatchSettings settings;
  private final ConsulHandle consul;
  private final WatchFailures failures;

  LongPoll(Watch watch, WatchSettings settings, ConsulHandle consul, WatchFailures failures) {
    this.watch = watch;
    this.service = watch.service();
    this.settings = settings;
    this.consul = consul;
    this.failures = failures;
  }

  @Override
  public void run() {
    BigInteger index = BigInteger.ZERO;
    int failed = 0;
    // When the loop last skipped the minimum interval after a real change; at most one skip per interval.
    long lastSkip = settings.ticker().read() - settings.minQueryInterval().toNanos();
    watch.startIdleClock();
    while (!watch.stopped()) {
      if (watch.retiresIdle()) {
        watch.retired();
        break;
      }
      long started = settings.ticker().read();
      long delayNanos;
      try {
        HealthAnswer r = watch.query(index);
        if (watch.stopped()) {
          break;
        }
        // Without a leader, only the stale mode takes an answer, and never "none": a server that
        // lost its state would otherwise empty every caller's list. "null" is no answer either.
        ConsulFailure refused = watch.refusal(r);
        if (refused != null) {
          failed++;
          delayNanos = failures.failed(refused, failed);
        } else {
          BigInteger got = r.index() == null ? BigInteger.ZERO : r.index();
          if (got.signum() <= 0) {
            got = BigInteger.ONE;
          }
          BigInteger next = got.compareTo(index) < 0 ? BigInteger.ZERO : got;
          if (next.signum() == 0) {
            LOG.debug("watch of '{}': index went back from {} to {}; resetting to 0", service, index, got);
          }
          // A blocking query (not the first read) that ended because of a newer index.
          boolean blockedThenMoved = index.signum() > 0 && got.compareTo(index) > 0;
          index = next;
          if (failed > 0) {
            LOG.info("watch of '{}' recovered after {} failed rounds: serving Consul's answer again", service, failed);
          }
          failed = 0;
          failures.clear();
          if (r.entries().isEmpty()) {
            // Before readers see "none": learn whether ACLs may have hidden instances from us.
            consul.anonymousUnderAcl();
          }
          boolean changed = watch.applied(r.entries(), got.longValue(), r.knownLeader(), r.lastContactMillis());
          long now = settings.ticker().read();
          long interval = settings.minQueryInterval().toNanos();
          if (blockedThenMoved && changed && now - lastSkip >= interval) {
            // A real change: the next one may already be on its way, so ask again at once. Once per
            // interval only, so an agent whose answers change every time cannot make the loop spin.
            lastSkip = now;
            delayNanos = 0;
          } else {
            delayNanos = Backoff.minIntervalDelayNanos(now - started, interval, settings.nextRandom());
          }
        }
      } catch (Throwable e) {
        // Anything, even an Error (a StackOverflowError from an event listener, say), is one failed
        // round: a watch thread that died would freeze the snapshot with nobody told. Errors are
        // not rethrown for the same reason; the backoff keeps a persistent one from spinning.
        if (watch.stopped()) {
          break;
        }
        failed++;
        // The agent may come back restarted, with indexes lower than ours: a blocking query on our
        // old index would then wait out its whole wait time before the first fresh answer. The first
        // query after a failure is a plain read.
        index = BigInteger.ZERO;
        if (!(e instanceof RuntimeException)) {
          LOG.warn("watch of '{}' caught {}; callers get the last known instances while it retries after a"
              + " backoff", service, e.toString());
        }
        delayNanos = failures.failedSafely(failures.thrown(e), failed);
      }
      if (delayNanos > 0 && !pause(delayNanos)) {
        break;
      }
    }
  }

  /**
   * Sleeps; false when stopped meanwhile. Only {@link Watch#stop()} ends the loop: an interrupt
   * from anyone else (a listener, a pool shutting down what it did not start) finishes the sleep.
   */
  private boolean pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; left > 0 && !watch.stopped(); left = deadline - System.nanoTime()) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        // the flag is now clear; stop() sets stopped before it interrupts, checked by the loop
      }
    }
    return !watch.stopped();
  }
}
