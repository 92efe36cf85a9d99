package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.StaticServiceDiscovery;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11, item 11: a streamed answer that came too late is closed, JSON errors do not quote the
 * payload, and a failure's body excerpt is the body's own first characters (cut, not marked).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaksTest {
  Backends backends;

  @BeforeEach
  void start() {
    backends = new Backends(1);
  }

  @AfterEach
  void stop() {
    backends.close();
  }

  ServiceMeshClient.Builder mesh() {
    return ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("svc", backends.instances("svc")));
  }

  @Test
  void aStreamedAnswerThatCameAfterItsTimeoutIsClosed() {
    backends.get(0).stubFor(any(anyUrl()).willReturn(okJson("{\"big\":\"download\"}")));
    AtomicLong now = new AtomicLong();
    AtomicBoolean closed = new AtomicBoolean();
    Interceptor lateAndTracked = chain -> {
      Response r = chain.proceed(chain.request());
      now.addAndGet(TimeUnit.SECONDS.toNanos(10)); // the attempt "took" 10 s on the policies' ticker
      ResponseBody body = r.body();
      BufferedSource tracked = Okio.buffer(new ForwardingSource(body.source()) {
        @Override
        public void close() throws java.io.IOException {
          closed.set(true);
          super.close();
        }
      });
      return r.newBuilder().body(ResponseBody.create(tracked, body.contentType(), body.contentLength())).build();
    };
    try (ServiceMeshClient mesh = mesh().ticker(now::get).interceptor(lateAndTracked).build()) {
      assertThrows(MeshTimeoutException.class,
          () -> mesh.service("svc").get("/file").timeout(Duration.ofSeconds(1)).maxAttempts(1).asStream());
      assertTrue(closed.get(), "the late attempt's open body was closed, not leaked");
    }
  }

  static final class Person {
    public String name;
    public int age;
  }

  private static String everything(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  @Test
  void jsonErrorsNameTypeAndPlaceButNeverQuoteThePayload() {
    backends.get(0).stubFor(any(urlEqualTo("/token")).willReturn(okJson("{\"name\": s3cretToken}")));
    backends.get(0).stubFor(any(urlEqualTo("/value")).willReturn(okJson("{\"name\":1,\n \"age\":\"s3cretValue\"}")));
    try (ServiceMeshClient mesh = mesh().build()) {
      MeshException token = assertThrows(MeshException.class, () -> mesh.service("svc").get("/token").as(Person.class));
      assertFalse(everything(token).contains("s3cret"), everything(token));
      assertTrue(token.getMessage().contains(Person.class.getName()), token.getMessage());
      assertTrue(token.getMessage().contains("line 1, column"), token.getMessage());
      assertTrue(token.getMessage().contains("JsonParseException"), token.getMessage());

      MeshException value = assertThrows(MeshException.class,
          () -> mesh.service("svc").get("/value").as(new TypeReference<Map<String, Integer>>() {}));
      assertFalse(everything(value).contains("s3cret"), everything(value));
      assertTrue(value.getMessage().contains("java.util.Map<java.lang.String, java.lang.Integer>"), value.getMessage());
      assertTrue(value.getMessage().contains("line 2, column"), value.getMessage());
      assertTrue(value.getMessage().contains("InvalidFormatException"), value.getMessage());
    }
  }

  @Test
  void aFailuresBodyExcerptIsTheBodysOwnStartAndASmallJsonBodyStaysWhole() throws Exception {
    String small = "{\"error\":\"bad_request\",\"detail\":\"x\"}";
    String large = "{\"error\":\"bad_request\",\"detail\":\"" + "y".repeat(3000) + "\"}";
    backends.get(0).stubFor(any(urlEqualTo("/small")).willReturn(aResponse().withStatus(400).withBody(small)));
    backends.get(0).stubFor(any(urlEqualTo("/large")).willReturn(aResponse().withStatus(400).withBody(large)));
    try (ServiceMeshClient mesh = mesh().build()) {
      CallFailedException s = assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/small").execute());
      assertEquals(small, s.bodyExcerpt());
      assertFalse(s.bodyTruncated());
      assertEquals("bad_request", new ObjectMapper().readTree(s.bodyExcerpt()).get("error").asText());
      CallFailedException l = assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/large").execute());
      assertEquals(CallFailedException.MAX_BODY_EXCERPT, l.bodyExcerpt().length());
      assertTrue(large.startsWith(l.bodyExcerpt()), "nothing written into the body: " + l.bodyExcerpt());
      assertTrue(l.bodyTruncated(), "the cut is said outside the excerpt");
      // A huge error body: only a prefix is read, and the excerpt says it was cut.
      backends.get(0).stubFor(any(urlEqualTo("/huge")).willReturn(aResponse().withStatus(500)
          .withBody("z".repeat(300_000))));
      CallFailedException h = assertThrows(CallFailedException.class,
          () -> mesh.service("svc").get("/huge").maxAttempts(1).execute());
      assertEquals("z".repeat(CallFailedException.MAX_BODY_EXCERPT), h.bodyExcerpt());
      assertTrue(h.bodyTruncated());
    }
  }
}
