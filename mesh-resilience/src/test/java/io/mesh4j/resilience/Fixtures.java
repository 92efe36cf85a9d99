package io.mesh4j.resilience;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Shared test helpers. */
public final class Fixtures {
  private Fixtures() {}

  /** {@code n} instances of {@code service} on ports 10001... */
  public static List<ServiceInstance> instances(String service, int n) {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(10001 + i).build());
    }
    return List.copyOf(list);
  }

  /** An instance of {@code service} on a local port. */
  public static ServiceInstance at(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  /** A listener that adds every event to {@code sink}. */
  public static MeshEventListener collecting(List<MeshEvent> sink) {
    return new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        sink.add(event);
      }
    };
  }

  /** Polls every 5 ms until {@code condition} holds, failing after {@code timeout}. */
  public static void await(Duration timeout, BooleanSupplier condition, String what) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
