package io.mesh4j.discovery;

import static org.junit.jupiter.api.Assertions.fail;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceChangeListener;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** Helpers shared by the tests: bounded polling, thread counting, a raw Consul client, recorders. */
final class TestSupport {
  private TestSupport() {}

  /** Polls every 20 ms until {@code condition} holds; fails naming {@code what} after {@code timeout}. */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout + " waiting for: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }

  /** Live threads whose names start with {@code prefix}. */
  static List<String> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(prefix))
        .sorted()
        .collect(Collectors.toList());
  }

  /** A unique service name for one test on the shared agent. */
  static String uniqueService(String base) {
    return base + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Records changes and the threads they arrived on. */
  static final class Recorder implements ServiceChangeListener {
    final List<ServiceChange> changes = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onChange(ServiceChange change) {
      threads.add(Thread.currentThread().getName());
      changes.add(change);
    }

    ServiceChange last() {
      return changes.isEmpty() ? null : changes.get(changes.size() - 1);
    }

    int lastSize() {
      ServiceChange c = last();
      return c == null ? -1 : c.instances().size();
    }
  }

  /** Records events. */
  static final class EventRecorder implements MeshEventListener {
    final List<MeshEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(MeshEvent event) {
      events.add(event);
    }

    <T extends MeshEvent> List<T> of(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }
  }

  /** Talks to a Consul agent directly, to set up what our registry would never do (an unfed TTL check). */
  static final class RawConsul {
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    RawConsul(String base) {
      this.base = base;
    }

    int put(String path, String json) {
      return send(HttpRequest.newBuilder(URI.create(base + path))
          .PUT(HttpRequest.BodyPublishers.ofString(json == null ? "" : json))).statusCode();
    }

    String get(String path) {
      return send(HttpRequest.newBuilder(URI.create(base + path)).GET()).body();
    }

    int status(String path) {
      return send(HttpRequest.newBuilder(URI.create(base + path)).GET()).statusCode();
    }

    void register(String service, String id, int port, String checkJson) {
      String json = "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port
          + (checkJson == null ? "" : ",\"Check\":" + checkJson) + "}";
      int s = put("/v1/agent/service/register", json);
      if (s != 200) {
        fail("raw register of " + id + " answered " + s);
      }
    }

    void deregister(String id) {
      put("/v1/agent/service/deregister/" + id, null);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
      try {
        return http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
