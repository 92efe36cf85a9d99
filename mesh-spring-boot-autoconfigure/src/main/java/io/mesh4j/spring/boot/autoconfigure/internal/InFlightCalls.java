package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.client.CallObserver;
import io.mesh4j.client.MeshResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Interceptor;
import okhttp3.Request;

/**
 * Counts the client's calls in flight, so the shutdown can wait for them before the client closes.
 * {@link #wrap} puts the count in front of the application's own observer (mesh-micrometer's, or
 * none). Thread safe; a call costs two synchronized counter updates.
 */
public final class InFlightCalls {
  private final Object lock = new Object();
  private long inFlight;

  /** {@code delegate}, counting every call it sees start and end. */
  public CallObserver wrap(CallObserver delegate) {
    return new CallObserver() {
      @Override
      public Observed start(String serviceName, String method, String routeTemplate, String requestId) {
        Observed inner = delegate.start(serviceName, method, routeTemplate, requestId);
        started();
        return new Counted(inner);
      }

      @Override
      public Interceptor attemptInterceptor() {
        return delegate.attemptInterceptor();
      }
    };
  }

  /** Calls started and not yet ended. */
  public long inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  /** Waits until no call is in flight, at most {@code timeout}; true if none is. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  private void started() {
    synchronized (lock) {
      inFlight++;
    }
  }

  private void ended() {
    synchronized (lock) {
      if (--inFlight == 0) {
        lock.notifyAll();
      }
    }
  }

  /** One call: ends the count exactly once, whichever way the call ends. */
  private final class Counted implements CallObserver.Observed {
    private final CallObserver.Observed inner;
    private final AtomicBoolean ended = new AtomicBoolean();

    Counted(CallObserver.Observed inner) {
      this.inner = inner;
    }

    private void end() {
      if (ended.compareAndSet(false, true)) {
        ended();
      }
    }

    @Override
    public void attemptStarting(ServiceInstance instance, int attempt, Request.Builder request) {
      inner.attemptStarting(instance, attempt, request);
    }

    @Override
    public CallObserver.Scope openScope() {
      return inner.openScope();
    }

    @Override
    public void end(MeshResponse response, Throwable error) {
      try {
        inner.end(response, error);
      } finally {
        end();
      }
    }

    @Override
    public CompletableFuture<MeshResponse> endAsync(CompletableFuture<MeshResponse> call) {
      call.whenComplete((r, e) -> end());
      return inner.endAsync(call);
    }
  }
}
