package io.mesh4j.client;

import io.mesh4j.api.internal.Checks;

/**
 * One header that authenticates a call, such as {@code Authorization: Bearer ...} or
 * {@code X-Api-Key: ...}. Its {@link #toString()} never shows the value.
 */
public final class Credential {
  private final String headerName;
  private final String value;

  private Credential(String headerName, String value) {
    this.headerName = headerName;
    this.value = value;
  }

  /** A credential sent as {@code headerName: value}. */
  public static Credential header(String headerName, String value) {
    return new Credential(Checks.notBlank(headerName, "headerName"), Checks.notBlank(value, "credential value"));
  }

  /** {@code Authorization: Bearer <token>}. */
  public static Credential bearer(String token) {
    return new Credential("Authorization", "Bearer " + Checks.notBlank(token, "token"));
  }

  /** The header's name. */
  public String headerName() {
    return headerName;
  }

  /** The header's value: a secret; never log it. */
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return "Credential{" + headerName + ": <redacted>}";
  }
}
