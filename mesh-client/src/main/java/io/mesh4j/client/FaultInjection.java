package io.mesh4j.client;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Headers;

/**
 * Fault injection for one service, in process (Envoy's fault filter without the proxy): a share
 * of attempts is delayed by a fixed time and/or aborted with an HTTP status or a connection error,
 * before anything is sent. Off until set; changeable at run time from any thread (a chaos drill on
 * a running system, or a test of how the caller copes); every injected fault publishes a
 * {@link FaultInjectedEvent}. Obtained from {@link ServiceMeshClient#faults(String)}.
 *
 * <p>Faults apply per <b>attempt</b>, under the policies, so the policies see them as they would
 * see the real fault: a delay counts against the attempt timeout, an aborted 503 is retried on
 * another instance, a connection error feeds outlier ejection. To make a whole call fail, abort
 * 100%.
 *
 * <p>With {@link #allowHeaderTriggers(boolean)}, a request may ask for a fault itself:
 * {@value #DELAY_HEADER}{@code : <milliseconds>} delays it, {@value #ABORT_HEADER}{@code : <status>}
 * aborts it with that status ({@code 0}: a connection error). The headers are ignored while
 * triggers are off (the default), so callers cannot inject faults unless the service allows it.
 *
 * <pre>{@code
 * FaultInjection f = mesh.faults("payments");
 * f.delay(10, Duration.ofMillis(800)).abort(5, 503);   // 10% delayed 800 ms, 5% answered 503
 * ...
 * f.clear();
 * }</pre>
 *
 * <p>Thread safe: the settings are one immutable value swapped atomically.
 */
public final class FaultInjection {
  /** The header that asks for a delay, in milliseconds, when triggers are allowed. */
  public static final String DELAY_HEADER = "x-mesh4j-fault-delay-request";
  /** The header that asks for an abort with a status (0: connection error), when triggers are allowed. */
  public static final String ABORT_HEADER = "x-mesh4j-fault-abort-request";

  private static final Spec OFF = new Spec(0, 0, 0, 0, false);

  private final String serviceName;
  private final Runnable onChange;
  private volatile Spec spec = OFF;

  FaultInjection(String serviceName, Runnable onChange) {
    this.serviceName = serviceName;
    this.onChange = onChange;
  }

  /** The settings: percents 0 to 100, abort status 0 for a connection error. */
  private record Spec(double delayPercent, long delayNanos, double abortPercent, int abortStatus, boolean headers) {
    boolean active() {
      return delayPercent > 0 || abortPercent > 0 || headers;
    }
  }

  /**
   * Delays {@code percent} (0 to 100) of attempts by {@code delay}; 0 percent removes the delay.
   *
   * @throws IllegalArgumentException if the percent is out of range or the delay negative
   */
  public FaultInjection delay(double percent, Duration delay) {
    checkPercent(percent, "delay percent");
    long nanos = Checks.notNegative(delay, "delay").toNanos();
    update(s -> new Spec(percent, nanos, s.abortPercent, s.abortStatus, s.headers));
    return this;
  }

  /**
   * Aborts {@code percent} (0 to 100) of attempts with HTTP {@code status} (200 to 599) without
   * sending them; 0 percent removes the abort.
   *
   * @throws IllegalArgumentException if the percent or the status is out of range
   */
  public FaultInjection abort(double percent, int status) {
    checkPercent(percent, "abort percent");
    Checks.inRange(status, 200, 599, "abort status");
    update(s -> new Spec(s.delayPercent, s.delayNanos, percent, status, s.headers));
    return this;
  }

  /**
   * Fails {@code percent} (0 to 100) of attempts with a connection error
   * ({@link java.net.ConnectException}) without sending them.
   *
   * @throws IllegalArgumentException if the percent is out of range
   */
  public FaultInjection abortWithConnectionError(double percent) {
    checkPercent(percent, "abort percent");
    update(s -> new Spec(s.delayPercent, s.delayNanos, percent, 0, s.headers));
    return this;
  }

  /** Lets requests ask for faults with {@value #DELAY_HEADER} and {@value #ABORT_HEADER} (default off). */
  public FaultInjection allowHeaderTriggers(boolean allow) {
    update(s -> new Spec(s.delayPercent, s.delayNanos, s.abortPercent, s.abortStatus, allow));
    return this;
  }

  /** Removes every fault and turns header triggers off. */
  public void clear() {
    update(s -> OFF);
  }

  /** Whether any fault (or header trigger) is set. */
  public boolean active() {
    return spec.active();
  }

  /** The service these faults apply to. */
  public String serviceName() {
    return serviceName;
  }

  private synchronized void update(java.util.function.UnaryOperator<Spec> change) {
    spec = change.apply(spec);
    onChange.run();
  }

  private static void checkPercent(double percent, String name) {
    Checks.argument(percent >= 0 && percent <= 100, "%s must be between 0 and 100, was %s", name, percent);
  }

  /**
   * The fault of one attempt with these request headers, or null for none. {@code abortStatus}
   * -1 means no abort, 0 a connection error.
   */
  Fault decide(Headers requestHeaders) {
    Spec s = spec;
    if (!s.active()) {
      return null;
    }
    long delay = 0;
    int abort = -1;
    ThreadLocalRandom r = ThreadLocalRandom.current();
    if (s.delayPercent > 0 && r.nextDouble() * 100 < s.delayPercent) {
      delay = s.delayNanos;
    }
    if (s.abortPercent > 0 && r.nextDouble() * 100 < s.abortPercent) {
      abort = s.abortStatus;
    }
    if (s.headers) {
      String d = requestHeaders.get(DELAY_HEADER);
      String a = requestHeaders.get(ABORT_HEADER);
      if (d != null) {
        delay = Math.max(delay, parse(d, 0, 3_600_000) * 1_000_000L);
      }
      if (a != null) {
        long st = parse(a, -1, 599);
        abort = st == 0 || (st >= 200 && st <= 599) ? (int) st : abort;
      }
    }
    return delay == 0 && abort < 0 ? null : new Fault(delay, abort);
  }

  private static long parse(String v, long min, long max) {
    try {
      long n = Long.parseLong(v.trim());
      return n < min || n > max ? min : n;
    } catch (NumberFormatException e) {
      return min;
    }
  }

  /** One injected fault: a delay in nanos (0: none) and an abort (-1: none, 0: connection error, else a status). */
  record Fault(long delayNanos, int abortStatus) {}

  @Override
  public String toString() {
    Spec s = spec;
    return "FaultInjection{" + serviceName + (s.active() ? ": delay " + s.delayPercent + "% x "
        + Duration.ofNanos(s.delayNanos) + ", abort " + s.abortPercent + "% with "
        + (s.abortStatus == 0 ? "connection error" : String.valueOf(s.abortStatus)) + ", headers " + s.headers
        : ": off") + "}";
  }
}
