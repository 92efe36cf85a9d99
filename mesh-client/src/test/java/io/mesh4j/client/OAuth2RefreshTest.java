package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.MeshException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OAuth2 client credentials around the refresh: a failed early refresh keeps the still-valid
 * token, an expired one fails with an error naming the endpoint (never the secret), short-lived
 * tokens are refreshed half-way. Time is a hand-moved ticker.
 */
@Timeout(60)
class OAuth2RefreshTest {
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

  private void fail(int status) {
    backends.get(0).resetMappings();
    backends.get(0).stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(status)));
  }

  private OAuth2ClientCredentials.Builder oauth() {
    return CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl("http://127.0.0.1:" + backends.get(0).port() + TOKEN_PATH).clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true)
        .refreshBefore(Duration.ofSeconds(30)).ticker(now::get).httpClient(http);
  }

  private void at(Duration d) {
    now.set(d.toNanos());
  }

  @Test
  void aFailedEarlyRefreshKeepsTheStillValidToken() {
    answer("{\"access_token\":\"tok-A\",\"expires_in\":120}");
    OAuth2ClientCredentials oauth = oauth().build();
    assertEquals("Bearer tok-A", oauth.credential().value());
    fail(503);
    at(Duration.ofSeconds(91)); // in the refresh window (30 s before expiry), still valid
    assertEquals("Bearer tok-A", oauth.credential().value(), "the endpoint hiccupped: keep the unexpired token");
    assertEquals(1, oauth.fetchCount());
    at(Duration.ofSeconds(119));
    assertEquals("Bearer tok-A", oauth.credential().value());
    at(Duration.ofSeconds(120)); // expired: nothing to fall back on
    MeshException e = assertThrows(MeshException.class, oauth::credential);
    assertTrue(e.getMessage().contains("answered 503"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"));
    answer("{\"access_token\":\"tok-B\",\"expires_in\":120}");
    assertEquals("Bearer tok-B", oauth.credential().value());
    assertEquals(2, oauth.fetchCount());
  }

  @Test
  void aTokenIsReusedUntilItsRefreshTimeThenReplaced() {
    answer("{\"access_token\":\"tok-A\",\"expires_in\":120}");
    OAuth2ClientCredentials oauth = oauth().scope("orders.read").build();
    assertEquals("Bearer tok-A", oauth.credential().value());
    at(Duration.ofSeconds(90).minusNanos(1));
    assertEquals("Bearer tok-A", oauth.credential().value());
    assertEquals(1, oauth.fetchCount());
    answer("{\"access_token\":\"tok-B\",\"expires_in\":120}");
    at(Duration.ofSeconds(90));
    assertEquals("Bearer tok-B", oauth.credential().value(), "refreshed 30 s before expiry");
    assertEquals(2, oauth.fetchCount());
    List<LoggedRequest> sent = backends.get(0).findAll(postRequestedFor(urlEqualTo(TOKEN_PATH)));
    assertTrue(sent.get(0).getBodyAsString().contains("grant_type=client_credentials"));
    assertTrue(sent.get(0).getBodyAsString().contains("scope=orders.read"), sent.get(0).getBodyAsString());
    assertEquals("application/json", sent.get(0).getHeader("Accept"));
  }

  @Test
  void aShortLivedTokenIsRefreshedHalfWay() {
    answer("{\"access_token\":\"short\",\"expires_in\":10}");
    OAuth2ClientCredentials oauth = oauth().build();
    oauth.credential();
    at(Duration.ofSeconds(5).minusNanos(1));
    oauth.credential();
    assertEquals(1, oauth.fetchCount());
    at(Duration.ofSeconds(5));
    oauth.credential();
    assertEquals(2, oauth.fetchCount());
  }

  @Test
  void aTokenWithoutExpiryLastsAnHour() {
    answer("{\"access_token\":\"hour\"}");
    OAuth2ClientCredentials oauth = oauth().build();
    oauth.credential();
    at(Duration.ofSeconds(3570).minusNanos(1)); // 3600 s less the 30 s ahead
    oauth.credential();
    assertEquals(1, oauth.fetchCount());
    at(Duration.ofSeconds(3570));
    oauth.credential();
    assertEquals(2, oauth.fetchCount());
  }

  @Test
  void answersWithoutAUsableTokenAreErrors() {
    OAuth2ClientCredentials oauth = oauth().build();
    for (String body : List.of("{\"token_type\":\"Bearer\"}", "{\"access_token\":42}", "{\"access_token\":\" \"}")) {
      answer(body);
      MeshException e = assertThrows(MeshException.class, oauth::credential, body);
      assertTrue(e.getMessage().contains("without access_token"), e.getMessage());
    }
    assertEquals(0, oauth.fetchCount());
  }

  @Test
  void anUnreachableEndpointIsNamedWithoutTheSecret() {
    OAuth2ClientCredentials oauth = CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl("http://127.0.0.1:1/oauth/token").clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true).httpClient(http).build();
    MeshException e = assertThrows(MeshException.class, oauth::credential);
    assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"));
    assertFalse(oauth.toString().contains("s3cret"));
    assertTrue(oauth.toString().contains("clientId=mesh"), oauth.toString());
  }

  @Test
  void withoutAnHttpClientItSaysWhatToDo() {
    OAuth2ClientCredentials oauth = CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl("http://127.0.0.1:1/oauth/token").clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, oauth::credential);
    assertTrue(e.getMessage().contains("no HTTP client"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CredentialsProvider.oauth2ClientCredentials().tokenUrl("not a url"));
  }
}
