package io.mesh4j.examples.gateway.internal;

import java.util.Objects;

/**
 * Argument and state checks of the gateway's builders, with messages that name the setting. The
 * examples use mesh4j's public API only, so they keep their own few lines rather than the
 * library's internal {@code Checks}.
 */
public final class Args {
  private Args() {}

  /** {@code value}, or a NullPointerException naming it. */
  public static <T> T notNull(T value, String name) {
    return Objects.requireNonNull(value, () -> name + " must not be null");
  }

  /** {@code value}, unless null, empty or only white space. */
  public static String notBlank(String value, String name) {
    notNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  /** Fails with an IllegalArgumentException and the formatted message unless {@code condition}. */
  public static void argument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  /** Fails with an IllegalStateException and the formatted message unless {@code condition}. */
  public static void state(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  /** {@code value}, unless outside {@code min..max}. */
  public static int inRange(int value, int min, int max, String name) {
    argument(value >= min && value <= max, "%s must be between %d and %d, was %d", name, min, max, value);
    return value;
  }
}
