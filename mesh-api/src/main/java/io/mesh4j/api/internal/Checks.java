package io.mesh4j.api.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks whose messages name the setting, in the Failsafe and Caffeine manner. */
public final class Checks {
  private Checks() {}

  /** Fails with a NullPointerException naming {@code name} when {@code value} is null. */
  public static <T> T notNull(T value, String name) {
    return Objects.requireNonNull(value, () -> name + " must not be null");
  }

  /** Fails when {@code value} is null, empty or only white space. */
  public static String notBlank(String value, String name) {
    notNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  /** Fails unless {@code condition} holds, with the formatted message. */
  public static void argument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  /** Fails unless {@code condition} holds; for settings that contradict each other. */
  public static void state(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  /** Fails unless {@code value} is strictly positive. */
  public static Duration positive(Duration value, String name) {
    notNull(value, name);
    argument(!value.isNegative() && !value.isZero(), "%s must be positive, was %s", name, value);
    return value;
  }

  /** Fails if {@code value} is negative. */
  public static Duration notNegative(Duration value, String name) {
    notNull(value, name);
    argument(!value.isNegative(), "%s must not be negative, was %s", name, value);
    return value;
  }

  /** Fails unless {@code min <= value <= max}. */
  public static int inRange(int value, int min, int max, String name) {
    argument(value >= min && value <= max, "%s must be between %d and %d, was %d", name, min, max, value);
    return value;
  }
}
