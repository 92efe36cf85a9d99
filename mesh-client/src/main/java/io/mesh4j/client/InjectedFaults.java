package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.client.FaultInjection.Fault;
import io.mesh4j.client.internal.HttpResult;
import io.mesh4j.resilience.AttemptContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import okhttp3.Headers;

/** Applies a {@link Fault} to one attempt, sync or async; only reached when a fault was decided. */
final class InjectedFaults {
  /** The header of an injected abort's answer. */
  static final String FAULT_HEADER = "x-mesh4j-fault";
  private static final Headers ABORT_HEADERS = Headers.of(FAULT_HEADER, "abort");

  private InjectedFaults() {}

  /** Sleeps the delay (up to the attempt timeout); then the aborted answer, or null to send the request. */
  static HttpResult sync(String serviceName, ServiceInstance instance, AttemptContext ctx, Fault f) throws IOException {
    if (f.delayNanos() > 0) {
      long timeout = ctx.timeout().toNanos();
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(f.delayNanos(), timeout));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted during an injected delay");
      }
      if (f.delayNanos() >= timeout) {
        throw new InterruptedIOException("timeout: an injected delay of " + Duration.ofNanos(f.delayNanos()).toMillis()
            + " ms reached the attempt timeout (fault injection of service '" + serviceName + "')");
      }
    }
    return abort(serviceName, instance, f);
  }

  private static HttpResult abort(String serviceName, ServiceInstance instance, Fault f) throws IOException {
    if (f.abortStatus() == 0) {
      throw new ConnectException("injected connection error (fault injection of service '" + serviceName + "')");
    }
    if (f.abortStatus() > 0) {
      return new HttpResult(f.abortStatus(), ABORT_HEADERS, new byte[0], instance);
    }
    return null;
  }

  /** The attempt after the delay: aborted, or {@code send}'s; cancelling the result cancels both. */
  static CompletableFuture<HttpResult> async(String serviceName, ServiceInstance instance, Fault f,
      Supplier<CompletableFuture<HttpResult>> send) {
    if (f.delayNanos() == 0) {
      return abortOrSend(serviceName, instance, f, send);
    }
    CompletableFuture<HttpResult> out = new CompletableFuture<>();
    ScheduledFuture<?> timer = Timer.INSTANCE.schedule(() -> {
      if (out.isDone()) {
        return; // cancelled (timed out) during the delay
      }
      CompletableFuture<HttpResult> next = abortOrSend(serviceName, instance, f, send);
      next.whenComplete((v, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(v);
        }
      });
      out.whenComplete((v, e) -> {
        if (out.isCancelled()) {
          next.cancel(true);
        }
      });
    }, f.delayNanos(), TimeUnit.NANOSECONDS);
    out.whenComplete((v, e) -> {
      if (out.isCancelled()) {
        timer.cancel(false);
      }
    });
    return out;
  }

  private static CompletableFuture<HttpResult> abortOrSend(String serviceName, ServiceInstance instance, Fault f,
      Supplier<CompletableFuture<HttpResult>> send) {
    try {
      HttpResult aborted = abort(serviceName, instance, f);
      return aborted != null ? CompletableFuture.completedFuture(aborted) : send.get();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** One daemon thread for injected delays, started on the first delayed async attempt. */
  private static final class Timer {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "mesh4j-fault-injection-timer");
        thread.setDaemon(true);
        return thread;
      });
      t.setRemoveOnCancelPolicy(true);
      return t;
    }
  }
}
