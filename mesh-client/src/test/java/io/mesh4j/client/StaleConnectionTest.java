package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Servers close keep-alive connections idle past their own timeout; OkHttp keeps them pooled. The
 * next request on one fails before any answer. That must not count against the instance: here two
 * healthy instances, each closing idle connections after 100 ms, and ejection on a single failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StaleConnectionTest {
  private final List<IdleClosingServer> servers = new ArrayList<>();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (IdleClosingServer s : servers) {
      s.close();
    }
  }

  @Test
  void aPooledConnectionTheServerClosedAsIdleIsRetriedAtOnceAndEjectsNobody() throws Exception {
    List<ServiceInstance> instances = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      IdleClosingServer s = new IdleClosingServer();
      servers.add(s);
      instances.add(ServiceInstance.newBuilder().serviceName("svc").id("svc-" + i).host("127.0.0.1").port(s.port())
          .build());
    }
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("svc", instances))
        .outlierEjection(OutlierEjectionConfig.builder().consecutiveFailures(1).maxEjectionPercent(100).build())
        .listener(MeshEventListener.of(events::add)).build()) {
      for (int round = 0; round < 3; round++) {
        // Counted before the calls: on a loaded machine the first call's connection can already be
        // closed as idle before the second call returns.
        int closed = servers.get(0).idleClosed.get() + servers.get(1).idleClosed.get();
        // Both instances have served a call on a connection that is now pooled...
        assertEquals(200, mesh.service("svc").get("/a").execute().status());
        assertEquals(200, mesh.service("svc").get("/b").execute().status());
        // ...and closed by its server as idle.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(
            () -> servers.get(0).idleClosed.get() + servers.get(1).idleClosed.get() >= closed + 2);
        // The next call's first attempt meets a stale connection: retried at once, the call succeeds.
        assertEquals(200, mesh.service("svc").get("/c").execute().status());
        assertTrue(mesh.outlierDetector("svc").ejected("svc").isEmpty(), "a stale connection ejected an instance");
      }
      List<ResilienceEvent.AttemptFinished> failed = new ArrayList<>();
      for (MeshEvent e : events) {
        if (e instanceof ResilienceEvent.AttemptFinished && !((ResilienceEvent.AttemptFinished) e).outcome().isSuccess()) {
          failed.add((ResilienceEvent.AttemptFinished) e);
        }
      }
      assertFalse(failed.isEmpty(), "the test did not meet a stale connection: it tests nothing");
      for (ResilienceEvent.AttemptFinished f : failed) {
        assertFalse(f.outcome().countsAgainstInstance(), "counted against the instance: " + f);
        assertTrue(f.outcome().retryAtOnce(), "retried after a backoff: " + f);
      }
    }
  }

  /** HTTP/1.1 with keep-alive that closes a connection idle for 100 ms, as servers do after their own timeout. */
  static final class IdleClosingServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger idleClosed = new AtomicInteger();
    final Thread acceptor;

    IdleClosingServer() throws IOException {
      acceptor = new Thread(this::acceptLoop, "idle-closing-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket c = socket.accept();
          Thread t = new Thread(() -> serve(c), "idle-closing-connection");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket c) {
      try (c) {
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        while (true) {
          c.setSoTimeout(100);
          try {
            if (!readHeaders(in)) {
              return; // the client closed
            }
          } catch (SocketTimeoutException idle) {
            idleClosed.incrementAndGet();
            return; // idle past our keep-alive timeout: close, as servers do
          }
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    /** Reads one request's headers (no body: GETs only); false at end of stream. */
    private static boolean readHeaders(InputStream in) throws IOException {
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          return false;
        }
        matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
            ? matched + 1 : 0;
      }
      return true;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
