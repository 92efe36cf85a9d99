package io.mesh4j.resilience.internal;

import java.util.random.RandomGenerator;

/** Random sources that answer one fixed double, so jitter is known in advance. */
final class FixedRandom {
  private FixedRandom() {}

  static RandomGenerator fixed(double u) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return u;
      }
    };
  }
}
