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

  /**
   * A credential sent as {@code headerName: value}.
   *
   * @throws IllegalArgumentException if the value has a character a header cannot carry (the
   *     message names the header and position, never the value)
   */
  public static Credential header(String headerName, String value) {
    Checks.notBlank(headerName, "headerName");
    return new Credential(headerName, checkValue(headerName, Checks.notBlank(value, "credential value")));
  }

  /** {@code Authorization: Bearer <token>}. */
  public static Credential bearer(String token) {
    return new Credential("Authorization", checkValue("Authorization", "Bearer " + Checks.notBlank(token, "token")));
  }

  // OkHttp's own check would put the value into its exception message.
  private static String checkValue(String headerName, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        throw new IllegalArgumentException("credential for header " + headerName + " has an invalid character (0x"
            + Integer.toHexString(c) + ") at index " + i + "; value not shown");
      }
    }
    return value;
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
