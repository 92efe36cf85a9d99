package io.mesh4j.micrometer.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Values computed once per distinct key and kept, up to a bound: the conventions' tag sets
 * (building and sorting six tags per call and attempt showed in profiles of
 * {@code client-overhead-observed}) and the meters of {@code MeshMeterObservationHandler}. The key
 * must hold every field the value is computed from. Past {@code max} keys, values are computed per
 * use again (every part of a key is bounded anyway: route templates by {@link RouteTemplates},
 * statuses, error types, instances by the fleet). Thread safe.
 *
 * @param <K> the key, a record of the fields the value depends on
 * @param <V> the value
 */
public final class BoundedMemo<K, V> {
  private final ConcurrentHashMap<K, V> kept = new ConcurrentHashMap<>();
  private final int max;

  /** At most {@code max} values kept. */
  public BoundedMemo(int max) {
    this.max = max;
  }

  /**
   * The value of {@code key}, computed by {@code compute} the first time (pass a method reference
   * that captures nothing, or a field holding one, so that a hit allocates nothing).
   */
  public V get(K key, Function<? super K, ? extends V> compute) {
    V value = kept.get(key);
    if (value == null) {
      value = compute.apply(key);
      if (kept.size() < max) {
        kept.putIfAbsent(key, value);
      }
    }
    return value;
  }

  /** Forgets every value. */
  public void clear() {
    kept.clear();
  }
}
