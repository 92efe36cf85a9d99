package io.mesh4j.spring.boot.autoconfigure;

/**
 * A {@code mesh4j.*} property has a value the library rejects. Carries the property's name, what
 * it accepts and (unless the property is a secret) the value; {@link MeshPropertyFailureAnalyzer}
 * turns it into Spring Boot's start-up failure report.
 */
public final class InvalidMeshPropertyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String property;
  private final String shownValue;
  private final String accepted;

  /**
   * @param property the full property name, e.g. {@code mesh4j.client.retry.max-attempts}
   * @param shownValue the value as it may be shown (a secret's is {@code "(hidden)"})
   * @param accepted what the property accepts, in words
   * @param cause the library's own rejection, or null
   */
  public InvalidMeshPropertyException(String property, String shownValue, String accepted, Throwable cause) {
    super(property + " = " + shownValue + " is invalid"
        + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage())
        + ". Accepted: " + accepted, cause);
    this.property = property;
    this.shownValue = shownValue;
    this.accepted = accepted;
  }

  /** The full property name. */
  public String property() {
    return property;
  }

  /** The value as shown in messages ({@code (hidden)} for secrets). */
  public String shownValue() {
    return shownValue;
  }

  /** What the property accepts. */
  public String accepted() {
    return accepted;
  }
}
