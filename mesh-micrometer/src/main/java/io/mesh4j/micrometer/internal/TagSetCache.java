package io.mesh4j.micrometer.internal;

import io.micrometer.common.KeyValues;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The tag sets of a convention, built once per distinct key: building and sorting six tags per
 * call and attempt showed in profiles of {@code client-overhead-observed}. The key must hold every
 * field the tag set is built from. Bounded: past {@code max} keys, tag sets are built per call
 * again (every part of a key is bounded anyway: route templates by {@link RouteTemplates}, statuses,
 * error types, instances by the fleet). Thread safe.
 *
 * @param <K> the key, a record of the fields the tag set depends on
 */
public final class TagSetCache<K> {
  private final ConcurrentHashMap<K, KeyValues> sets = new ConcurrentHashMap<>();
  private final int max;

  /** At most {@code max} tag sets kept. */
  public TagSetCache(int max) {
    this.max = max;
  }

  /**
   * The tag set of {@code key}, built by {@code build} the first time (pass a method reference
   * that captures nothing, so that a hit allocates nothing).
   */
  public KeyValues get(K key, Function<? super K, KeyValues> build) {
    KeyValues kv = sets.get(key);
    if (kv == null) {
      kv = build.apply(key);
      if (sets.size() < max) {
        sets.putIfAbsent(key, kv);
      }
    }
    return kv;
  }
}
