package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11, item 10: a huge {@code expires_in} neither throws nor overflows into a fetch per call,
 * an {@code http} token URL is refused unless allowed, and the client id and secret are
 * form-encoded before HTTP Basic (RFC 6749 section 2.3.1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OAuth2HardeningTest {
  private static final String TOKEN_PATH = "/oauth/token";
  private Backends backends;
  private OkHttpClient http;
  private final AtomicLong now = new AtomicLong(0);

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    http = new OkHttpClient();
  }

  @AfterEach
  void stop() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    backends.close();
  }

  private void answer(String json) {
    backends.get(0).resetMappings();
    backends.get(0).stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(okJson(json)));
  }

  private OAuth2ClientCredentials.Builder oauth() {
    return CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl("http://127.0.0.1:" + backends.get(0).port() + TOKEN_PATH).clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true)
        .ticker(now::get).httpClient(http);
  }

  @Test
  void anExpiresInBeyondLongNanosIsClampedNotAnArithmeticError() {
    // 9.3e9 s is more nanoseconds than a long holds: Duration.toNanos() threw on every call.
    for (String expiresIn : new String[] {"9300000000", "1e300", "9223372036854775807"}) {
      answer("{\"access_token\":\"tok\",\"expires_in\":" + expiresIn + "}");
      now.set(0);
      OAuth2ClientCredentials oauth = oauth().build();
      assertEquals("Bearer tok", oauth.credential().value(), expiresIn);
      now.set(Duration.ofDays(364).toNanos());
      assertEquals("Bearer tok", oauth.credential().value(), expiresIn);
      assertEquals(1, oauth.fetchCount(), "one fetch for a long-lived token, expires_in " + expiresIn);
      now.set(OAuth2ClientCredentials.MAX_TOKEN_LIFETIME.toNanos());
      oauth.credential();
      assertEquals(2, oauth.fetchCount(), "clamped to MAX_TOKEN_LIFETIME: fetched again after it, expires_in " + expiresIn);
    }
  }

  @Test
  void aLargeExpiresInOnALateTickerDoesNotOverflowIntoAFetchPerCall() {
    // 9e9 s fits in a long of nanoseconds, but added to a ticker already at 4.6e18 it overflowed
    // into a negative refresh time: every call fetched a new token.
    answer("{\"access_token\":\"tok\",\"expires_in\":9000000000}");
    now.set(Long.MAX_VALUE / 2);
    OAuth2ClientCredentials oauth = oauth().build();
    for (int i = 0; i < 5; i++) {
      assertEquals("Bearer tok", oauth.credential().value());
    }
    assertEquals(1, oauth.fetchCount());
  }

  @Test
  void theClientIdAndSecretAreFormEncodedBeforeBasic() {
    answer("{\"access_token\":\"tok\",\"expires_in\":60}");
    OAuth2ClientCredentials oauth = oauth().clientId("my client:1").clientSecret("p@ss:w rd+\u00e9/~").build();
    oauth.credential();
    String header = backends.get(0).findAll(postRequestedFor(urlEqualTo(TOKEN_PATH))).get(0).getHeader("Authorization");
    assertTrue(header.startsWith("Basic "), header);
    String decoded = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
    // application/x-www-form-urlencoded of each, then id:secret; the only ':' left is the separator.
    assertEquals("my+client%3A1:p%40ss%3Aw+rd%2B%C3%A9%2F%7E", decoded);
  }

  @Test
  void anHttpTokenUrlIsRefusedAtBuildNamingTheSchemeAndTheOption() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl("http://user:pw@idp.example/oauth/token?key=k3y").clientId("mesh").clientSecret("s3cret").build());
    assertTrue(e.getMessage().contains("http"), e.getMessage());
    assertTrue(e.getMessage().contains("allowCleartextTokenUrl"), e.getMessage());
    for (String secret : new String[] {"s3cret", "pw", "k3y", "user"}) {
      assertFalse(e.getMessage().contains(secret), e.getMessage());
    }
  }

  @Test
  void anHttpTokenUrlIsAcceptedWhenAllowedAndHttpsAlways() {
    oauth().build();
    CredentialsProvider.oauth2ClientCredentials().tokenUrl("https://idp.example/oauth/token").clientId("mesh")
        .clientSecret("s3cret").build();
    assertThrows(IllegalStateException.class, () -> CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl("http://127.0.0.1:1/t").clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(false).build());
  }
}
