package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11, item 8: a body larger than the limit fails with an exception naming the setting, the
 * limit and the service (never the body), instead of filling the heap: a declared 200 MiB body
 * before reading, a gzip bomb while inflating. Runs on the test JVM's default heap.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BodyLimitTest {
  private static final long MIB = 1024 * 1024;
  MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  ServiceMeshClient.Builder mesh() {
    ServiceInstance i = ServiceInstance.newBuilder().serviceName("files").id("files-1").host("127.0.0.1")
        .port(server.getPort()).build();
    ServiceInstance j = ServiceInstance.newBuilder().serviceName("big").id("big-1").host("127.0.0.1")
        .port(server.getPort()).build();
    return ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of(java.util.Map.of(
        "files", java.util.List.of(i), "big", java.util.List.of(j))));
  }

  /** {@code length} zero bytes, written as the server sends them (nothing held in memory). */
  static MockResponseBody zeros(long length) {
    return new MockResponseBody() {
      @Override
      public long getContentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        for (long left = length; left > 0; left -= chunk.length) {
          sink.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
      }
    };
  }

  static void assertClear(MeshException e, long limit, String service) {
    String m = e.getMessage();
    assertTrue(m.contains("maxResponseBytes"), m);
    assertTrue(m.contains(String.valueOf(limit)), m);
    assertTrue(m.contains("'" + service + "'"), m);
    assertFalse(m.contains("\u0000"), "no body content in the message");
  }

  @Test
  void aDeclared200MiBBodyIsRefusedBeforeItIsRead() {
    server.enqueue(new MockResponse.Builder().body(zeros(200 * MIB)).build());
    try (ServiceMeshClient mesh = mesh().build()) {
      long t0 = System.nanoTime();
      MeshException e = assertThrows(MeshException.class, () -> mesh.service("files").get("/dump").execute());
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertClear(e, 16 * MIB, "files");
      assertTrue(ms < 5_000, "refused from Content-Length in " + ms + " ms");
      assertEquals(1, server.getRequestCount(), "not retried: the next instance would send the same");
    }
  }

  @Test
  void aGzipBombIsCountedAsItInflates() throws IOException {
    Buffer bomb = new Buffer();
    try (OutputStream gz = new GZIPOutputStream(bomb.outputStream())) {
      byte[] zeros = new byte[(int) MIB];
      for (int i = 0; i < 256; i++) {
        gz.write(zeros);
      }
    }
    long compressed = bomb.size();
    assertTrue(compressed < 2 * MIB, "the bomb is small: " + compressed);
    server.enqueue(new MockResponse.Builder().addHeader("Content-Encoding", "gzip").body(bomb).build());
    try (ServiceMeshClient mesh = mesh().build()) {
      long t0 = System.nanoTime();
      MeshException e = assertThrows(MeshException.class, () -> mesh.service("files").get("/bomb").execute());
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertClear(e, 16 * MIB, "files");
      assertTrue(ms < 5_000, "stopped after 16 MiB of 256 MiB in " + ms + " ms");
      System.out.println("gzip bomb: " + compressed + " bytes compressed, refused in " + ms + " ms");
    }
  }

  @Test
  void theLimitIsSetClientWideAndPerServiceAndCountedOnAChunkedBody() {
    Buffer twoMib = new Buffer().write(new byte[(int) (2 * MIB)]);
    try (ServiceMeshClient mesh = mesh().maxResponseBytes(MIB).service("big", s -> s.maxResponseBytes(4 * MIB)).build()) {
      // Chunked: no Content-Length, so the limit is met while counting.
      server.enqueue(new MockResponse.Builder().chunkedBody(twoMib.copy(), 64 * 1024).build());
      ResponseTooLargeException e = assertThrows(ResponseTooLargeException.class,
          () -> mesh.service("files").get("/two").execute());
      assertClear(e, MIB, "files");
      assertEquals("maxResponseBytes", e.setting());
      assertEquals(MIB, e.limit());
      assertTrue(e.getMessage().contains("while reading"), e.getMessage());
      server.enqueue(new MockResponse.Builder().chunkedBody(twoMib.copy(), 64 * 1024).build());
      assertEquals(2 * MIB, mesh.service("big").get("/two").asBytes().length, "the service's own limit");
    }
  }

  @Test
  void asyncCallsAreBoundedAndStreamsAreNot() throws Exception {
    try (ServiceMeshClient mesh = mesh().maxResponseBytes(MIB).build()) {
      server.enqueue(new MockResponse.Builder().body(zeros(2 * MIB)).build());
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> mesh.service("files").get("/a").executeAsync().get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof ResponseTooLargeException, String.valueOf(e.getCause()));
      assertClear((MeshException) e.getCause(), MIB, "files");
      server.enqueue(new MockResponse.Builder().body(zeros(2 * MIB)).build());
      try (java.io.InputStream in = mesh.service("files").get("/s").asStream()) {
        assertEquals(2 * MIB, in.transferTo(OutputStream.nullOutputStream()), "asStream is not bounded");
      }
    }
  }

  @Test
  void theTokenResponseIsBoundedToo() {
    server.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(zeros(200 * MIB)).build());
    OAuth2ClientCredentials oauth = CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl(server.url("/token").toString()).clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true)
        .httpClient(new okhttp3.OkHttpClient()).build();
    ResponseTooLargeException e = assertThrows(ResponseTooLargeException.class, oauth::credential);
    assertTrue(e.getMessage().contains("OAuth2 token endpoint"), e.getMessage());
    assertTrue(e.getMessage().contains(String.valueOf(OAuth2ClientCredentials.DEFAULT_MAX_RESPONSE_BYTES)), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"));
  }

  @Test
  void settingsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> ServiceMeshClient.builder().maxResponseBytes(0));
    assertThrows(IllegalArgumentException.class, () -> CredentialsProvider.oauth2ClientCredentials().maxResponseBytes(0));
  }
}
