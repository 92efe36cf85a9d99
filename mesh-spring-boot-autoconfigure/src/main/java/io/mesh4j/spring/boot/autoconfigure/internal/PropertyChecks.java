package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.spring.boot.autoconfigure.InvalidMeshPropertyException;
import java.util.function.Supplier;

/** Runs a builder step and turns its IllegalArgumentException into the property's own failure. */
public final class PropertyChecks {
  private PropertyChecks() {}

  /** Applies {@code step}; a rejection (IllegalArgument-, IllegalState-, NullPointerException) names {@code property}. */
  public static void apply(String property, Object value, String accepted, Runnable step) {
    get(property, value, accepted, () -> {
      step.run();
      return null;
    });
  }

  /** {@link #apply} for a step that returns something. */
  public static <T> T get(String property, Object value, String accepted, Supplier<T> step) {
    try {
      return step.get();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw new InvalidMeshPropertyException(property, String.valueOf(value), accepted, e);
    }
  }

  /** As {@link #apply}, for a secret: its value is never shown. */
  public static void applySecret(String property, String accepted, Runnable step) {
    try {
      step.run();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw new InvalidMeshPropertyException(property, "(hidden)", accepted, e);
    }
  }
}
