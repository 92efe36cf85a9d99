package io.mesh4j.examples.gateway.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks a request's credentials: a bearer JWT signed with HS256 (verified by nimbus-jose-jwt,
 * which also rejects other algorithms and {@code alg: none}), or an API key compared by its
 * SHA-256 hash. Expiry is judged by the injected clock. Thread safe. Credentials never leave
 * this class: results carry the client's name only.
 */
public final class Authenticator {
  private static final String BEARER = "bearer ";

  private final String apiKeyHeader;
  private final Map<String, String> clientsBySha256;
  private final ConfigurableJWTProcessor<SecurityContext> jwt;

  /**
   * @param apiKeyHeader the header carrying API keys
   * @param clientsBySha256 lower-case hex SHA-256 of each key to its client's name
   * @param jwtSecret the HS256 secret, or null to accept no JWT
   * @param issuer the required {@code iss}, or null
   * @param audience the required {@code aud}, or null
   * @param clockSkew how far past {@code exp} (and before {@code nbf}) a token is still accepted
   * @param clock the time tokens are judged at
   */
  public Authenticator(String apiKeyHeader, Map<String, String> clientsBySha256, byte[] jwtSecret, String issuer,
      String audience, Duration clockSkew, Clock clock) {
    this.apiKeyHeader = apiKeyHeader;
    this.clientsBySha256 = Map.copyOf(clientsBySha256);
    if (jwtSecret == null) {
      this.jwt = null;
    } else {
      DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
      p.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(jwtSecret)));
      JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
      if (issuer != null) {
        exact.issuer(issuer);
      }
      ClockedClaimsVerifier v = new ClockedClaimsVerifier(audience, exact.build(), Set.of("sub", "exp"), clock);
      v.setMaxClockSkew((int) clockSkew.getSeconds());
      p.setJWTClaimsSetVerifier(v);
      this.jwt = p;
    }
  }

  /** The header names this authenticator reads (lower case): they are not forwarded on routes it guards. */
  public Set<String> credentialHeaders() {
    return Set.of("authorization", apiKeyHeader.toLowerCase(Locale.ROOT));
  }

  /** Checks the credentials found through {@code header} (a name to its first value, or null). */
  public Result authenticate(Function<String, String> header) {
    String authorization = header.apply("Authorization");
    if (authorization != null && jwt != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String token = authorization.substring(BEARER.length()).trim();
      try {
        JWTClaimsSet claims = jwt.process(token, null);
        return Result.ok(claims.getSubject(), "jwt");
      } catch (ParseException | BadJOSEException | JOSEException e) {
        // The reason (bad signature, expired, wrong issuer) is for the log; never the token.
        return Result.invalid("invalid_token", reason(e));
      }
    }
    String key = header.apply(apiKeyHeader);
    if (key != null && !clientsBySha256.isEmpty()) {
      String client = clientsBySha256.get(sha256Hex(key.trim()));
      return client != null ? Result.ok(client, "apikey") : Result.invalid("invalid_key", "unknown API key");
    }
    if (authorization != null) {
      return Result.invalid("invalid_request", "unsupported Authorization scheme");
    }
    return Result.missing();
  }

  private static String reason(Exception e) {
    String m = e.getMessage();
    if (e instanceof ParseException) {
      return "malformed token";
    }
    // nimbus messages name the failed check ("Signed JWT rejected: Invalid signature", "Expired JWT"),
    // never the token itself.
    return m == null ? e.getClass().getSimpleName() : m;
  }

  /** Lower-case hex SHA-256 of {@code text}'s UTF-8 bytes. */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JRE", e);
    }
  }

  /** nimbus's claims checks, at the injected clock's time. */
  private static final class ClockedClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
    private final Clock clock;

    ClockedClaimsVerifier(String audience, JWTClaimsSet exact, Set<String> required, Clock clock) {
      super(audience, exact, required);
      this.clock = clock;
    }

    @Override
    protected Date currentTime() {
      return Date.from(clock.instant());
    }
  }

  /** The outcome: authenticated (with the client's name), missing, or invalid. */
  public static final class Result {
    private final String client;
    private final String scheme;
    private final String error;
    private final String reason;

    private Result(String client, String scheme, String error, String reason) {
      this.client = client;
      this.scheme = scheme;
      this.error = error;
      this.reason = reason;
    }

    static Result ok(String client, String scheme) {
      return new Result(client, scheme, null, null);
    }

    static Result missing() {
      return new Result(null, null, "missing_credentials", "no API key or bearer token");
    }

    static Result invalid(String error, String reason) {
      return new Result(null, null, error, reason);
    }

    /**
     * Who was authenticated, unambiguously: {@code apikey:<client>} or {@code jwt:<sub>}; null
     * unless {@link #ok()}.
     */
    public String identity() {
      return client == null ? null : scheme + ":" + client;
    }

    /** True when authenticated. */
    public boolean ok() {
      return client != null;
    }

    /** The client: the API key's client name or the JWT's {@code sub}; null unless {@link #ok()}. */
    public String client() {
      return client;
    }

    /**
     * "apikey" or "jwt"; null unless {@link #ok()}. The client's name is unique within its
     * scheme only: a JWT's {@code sub} may equal an API key client's name.
     */
    public String scheme() {
      return scheme;
    }

    /** A short error code for the 401 body ({@code missing_credentials}, {@code invalid_token}, ...). */
    public String error() {
      return error;
    }

    /** Why it failed, without any credential. */
    public String reason() {
      return reason;
    }
  }
}
