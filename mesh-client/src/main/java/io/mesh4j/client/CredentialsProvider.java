package io.mesh4j.client;

import io.mesh4j.api.internal.Checks;
import java.util.function.Supplier;

/**
 * Supplies the credential of each attempt. Asked once per attempt, so a rotated token or key is
 * used from the next attempt on, with no restart. Implementations are thread safe and fast (cache
 * what is expensive to get); the value never appears in a log line or an exception message.
 */
@FunctionalInterface
public interface CredentialsProvider {
  /**
   * The credential to send, or null to send none.
   *
   * @throws io.mesh4j.api.MeshException if a credential is needed and cannot be had
   */
  Credential credential();

  /** {@code Authorization: Bearer <token>}, the token read from {@code token} on every attempt. */
  static CredentialsProvider bearer(Supplier<String> token) {
    Checks.notNull(token, "token");
    return () -> Credential.bearer(token.get());
  }

  /** {@code <headerName>: <key>}, the key read from {@code key} on every attempt. */
  static CredentialsProvider apiKey(String headerName, Supplier<String> key) {
    Checks.notBlank(headerName, "headerName");
    Checks.notNull(key, "key");
    return () -> Credential.header(headerName, key.get());
  }

  /**
   * OAuth 2.0 client credentials (RFC 6749 section 4.4): a token fetched from the token endpoint
   * and cached until shortly before it expires. See {@link OAuth2ClientCredentials#builder()}.
   */
  static OAuth2ClientCredentials.Builder oauth2ClientCredentials() {
    return OAuth2ClientCredentials.builder();
  }
}
