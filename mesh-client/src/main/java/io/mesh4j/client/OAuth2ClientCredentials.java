package io.mesh4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.client.internal.BoundedBodies;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * OAuth 2.0 client-credentials tokens, cached until {@code refreshBefore} ahead of their expiry,
 * then fetched again by one caller while the others keep the still-valid token. The client id
 * and secret go in HTTP Basic authentication, each form-encoded first as RFC 6749 section 2.3.1
 * requires (so a {@code :} or a non-ASCII character in either survives). Thread safe.
 *
 * <p>The token URL must be {@code https}: the client secret travels in every token request.
 * {@link Builder#allowCleartextTokenUrl(boolean)} allows {@code http} (tests, a loopback sidecar).
 * A token's lifetime ({@code expires_in}) is capped at {@link #MAX_TOKEN_LIFETIME}.
 *
 * <p>It uses the {@link ServiceMeshClient}'s OkHttp client unless given one. Neither the secret
 * nor a token appears in any message.
 */
public final class OAuth2ClientCredentials implements CredentialsProvider {
  /**
   * The longest lifetime a token is kept for, whatever its {@code expires_in} says: one year. A
   * larger value (up to and beyond what a {@code long} of nanoseconds holds) is taken as this.
   */
  public static final Duration MAX_TOKEN_LIFETIME = Duration.ofDays(365);
  /**
   * Default largest token response read: {@value} bytes (1 MiB); a token answer is a few
   * kilobytes, and the bound keeps a broken or hostile endpoint (a gzip bomb) off the heap.
   */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

  private final HttpUrl tokenUrl;
  private final String clientId;
  private final String clientSecret;
  private final String scope;
  private final Duration refreshBefore;
  private final Duration requestTimeout;
  private final Ticker ticker;
  private final long maxResponseBytes;
  private final ObjectMapper mapper = new ObjectMapper();
  private final ReentrantLock refreshLock = new ReentrantLock();
  private volatile OkHttpClient http;
  private volatile Token token;
  private volatile long fetches;

  private OAuth2ClientCredentials(Builder b) {
    this.tokenUrl = b.tokenUrl;
    this.clientId = b.clientId;
    this.clientSecret = b.clientSecret;
    this.scope = b.scope;
    this.refreshBefore = b.refreshBefore;
    this.requestTimeout = b.requestTimeout;
    this.ticker = b.ticker;
    this.maxResponseBytes = b.maxResponseBytes;
    this.http = b.http;
  }

  /** A builder; token URL, client id and client secret are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Called by ServiceMeshClient: the HTTP client to fetch tokens with, unless one was given. */
  void useHttpClientIfNone(OkHttpClient client) {
    if (http == null) {
      http = client;
    }
  }

  @Override
  public Credential credential() {
    Token t = token;
    long now = ticker.read();
    if (t != null && now - t.refreshAtNanos < 0) {
      return t.credential;
    }
    boolean stillValid = t != null && now - t.expiresAtNanos < 0;
    if (stillValid) {
      if (!refreshLock.tryLock()) {
        return t.credential; // another caller refreshes; this token is still good
      }
    } else {
      try {
        // Bounded: a hung token endpoint must not hang every caller behind the lock.
        if (!refreshLock.tryLock(requestTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS)) {
          throw new MeshException(null, "timed out waiting for the OAuth2 token from " + tokenUrl.redact());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MeshException(null, "interrupted waiting for the OAuth2 token from " + tokenUrl.redact(), e);
      }
    }
    try {
      Token current = token;
      if (current != null && ticker.read() - current.refreshAtNanos < 0) {
        return current.credential;
      }
      try {
        token = fetch();
      } catch (MeshException e) {
        if (stillValid) {
          return t.credential; // the endpoint hiccupped: keep using the unexpired token
        }
        throw e;
      }
      return token.credential;
    } finally {
      refreshLock.unlock();
    }
  }

  /** How many tokens were fetched so far (for tests and metrics). */
  public long fetchCount() {
    return fetches;
  }

  private Token fetch() {
    OkHttpClient client = http;
    if (client == null) {
      throw new IllegalStateException("OAuth2ClientCredentials has no HTTP client: give one, or use it in a ServiceMeshClient");
    }
    FormBody.Builder form = new FormBody.Builder().add("grant_type", "client_credentials");
    if (scope != null) {
      form.add("scope", scope);
    }
    Request request = new Request.Builder().url(tokenUrl)
        .header("Authorization", basic(clientId, clientSecret))
        .header("Accept", "application/json")
        .post(form.build()).build();
    long started = ticker.read();
    Call call = client.newCall(request);
    call.timeout().timeout(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    try (Response r = call.execute()) {
      if (!r.isSuccessful()) {
        throw new MeshException(null, "OAuth2 token endpoint " + tokenUrl.redact() + " answered " + r.code());
      }
      byte[] body = BoundedBodies.read(r.body(), maxResponseBytes, declared -> new ResponseTooLargeException(null,
          "the answer of OAuth2 token endpoint " + tokenUrl.redact(), "maxResponseBytes", maxResponseBytes, declared));
      JsonNode json = mapper.readTree(body);
      JsonNode access = json.get("access_token");
      if (access == null || !access.isTextual() || access.asText().isBlank()) {
        throw new MeshException(null, "OAuth2 token endpoint " + tokenUrl.redact() + " answered without access_token");
      }
      long lifetime = lifetimeNanos(json.path("expires_in"));
      // Refresh ahead of expiry, but never later than half-way through a short-lived token.
      long ahead = Math.min(refreshBefore.toNanos(), lifetime / 2);
      fetches++;
      return new Token(Credential.bearer(access.asText()), started + lifetime - ahead, started + lifetime);
    } catch (IOException e) {
      throw new MeshException(null, "OAuth2 token endpoint " + tokenUrl.redact() + " unreachable: " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * The token's lifetime in nanoseconds: {@code expires_in} seconds (an hour when absent or not a
   * number), at least one second and at most {@link #MAX_TOKEN_LIFETIME}, so that neither
   * {@code Duration.toNanos()} nor the ticker arithmetic can overflow.
   */
  static long lifetimeNanos(JsonNode expiresIn) {
    double seconds = expiresIn.isMissingNode() || expiresIn.isNull() ? 3600 : expiresIn.asDouble(3600);
    long max = MAX_TOKEN_LIFETIME.getSeconds();
    long clamped = Double.isNaN(seconds) ? 3600 : seconds >= max ? max : Math.max(1, (long) seconds);
    return TimeUnit.SECONDS.toNanos(clamped);
  }

  /** RFC 6749 section 2.3.1: each of id and secret form-encoded, then HTTP Basic over the pair. */
  static String basic(String clientId, String clientSecret) {
    String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
        + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "OAuth2ClientCredentials{" + tokenUrl.redact() + ", clientId=" + clientId + "}";
  }

  private static final class Token {
    final Credential credential;
    final long refreshAtNanos;
    final long expiresAtNanos;

    Token(Credential credential, long refreshAtNanos, long expiresAtNanos) {
      this.credential = credential;
      this.refreshAtNanos = refreshAtNanos;
      this.expiresAtNanos = expiresAtNanos;
    }
  }

  /** Builds {@link OAuth2ClientCredentials}. Not thread safe. */
  public static final class Builder {
    private HttpUrl tokenUrl;
    private String clientId;
    private String clientSecret;
    private String scope;
    private Duration refreshBefore = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Ticker ticker = Ticker.system();
    private OkHttpClient http;
    private boolean allowCleartextTokenUrl;
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

    private Builder() {}

    /** The token endpoint (required). */
    public Builder tokenUrl(String url) {
      Checks.notBlank(url, "tokenUrl");
      HttpUrl parsed = HttpUrl.parse(url);
      Checks.argument(parsed != null, "tokenUrl is not an http(s) URL");
      this.tokenUrl = parsed;
      return this;
    }

    /**
     * Allows an {@code http} token URL (default false: {@link #build()} refuses one, since the
     * client secret and the tokens would cross the network in cleartext). For tests, or a token
     * endpoint on loopback.
     */
    public Builder allowCleartextTokenUrl(boolean allow) {
      this.allowCleartextTokenUrl = allow;
      return this;
    }

    /**
     * The largest token response read, in bytes (default {@link #DEFAULT_MAX_RESPONSE_BYTES});
     * counted after gzip decoding. A larger one fails with {@link ResponseTooLargeException}.
     */
    public Builder maxResponseBytes(long maxResponseBytes) {
      Checks.argument(maxResponseBytes >= 1, "maxResponseBytes must be >= 1, was %d", maxResponseBytes);
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    /** The client id (required). */
    public Builder clientId(String clientId) {
      this.clientId = Checks.notBlank(clientId, "clientId");
      return this;
    }

    /** The client secret (required). */
    public Builder clientSecret(String clientSecret) {
      this.clientSecret = Checks.notBlank(clientSecret, "clientSecret");
      return this;
    }

    /** The scope to ask for; none by default. */
    public Builder scope(String scope) {
      this.scope = Checks.notBlank(scope, "scope");
      return this;
    }

    /** How long before expiry a token is replaced; default 30 s (at most half its lifetime). */
    public Builder refreshBefore(Duration refreshBefore) {
      this.refreshBefore = Checks.notNegative(refreshBefore, "refreshBefore");
      return this;
    }

    /** The longest a token request (and a caller waiting for it) may take; default 10 s. */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = Checks.positive(requestTimeout, "requestTimeout");
      return this;
    }

    /** The time source; for tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    /** The HTTP client for the token endpoint; by default the ServiceMeshClient's. */
    public Builder httpClient(OkHttpClient http) {
      this.http = Checks.notNull(http, "httpClient");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws NullPointerException naming tokenUrl, clientId or clientSecret when missing
     * @throws IllegalStateException if the token URL is {@code http} and that was not allowed
     */
    public OAuth2ClientCredentials build() {
      Checks.notNull(tokenUrl, "tokenUrl");
      Checks.notNull(clientId, "clientId");
      Checks.notNull(clientSecret, "clientSecret");
      // The message names the scheme only: the URL may carry credentials in its user info or query.
      Checks.state(tokenUrl.isHttps() || allowCleartextTokenUrl,
          "tokenUrl uses scheme %s, which would send the client secret and tokens in cleartext: use an https "
              + "token URL, or call allowCleartextTokenUrl(true) (tests, a token endpoint on loopback)",
          tokenUrl.scheme());
      return new OAuth2ClientCredentials(this);
    }
  }
}
