package io.mesh4j.cache;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.internal.JacksonCodec;

/**
 * Turns values into bytes and back. Implementations must be thread safe and must decode only the
 * one type they were made for: a codec that instantiates whatever class a payload names turns
 * write access to Redis into code execution in every reader.
 *
 * <p>The default is {@link #json(Class)}: Jackson, bound to one type, without default typing.
 *
 * @param <V> the value type
 */
public interface CacheCodec<V> {
  /**
   * The bytes of {@code value} (never null).
   *
   * @throws RuntimeException if the value cannot be encoded
   */
  byte[] encode(V value);

  /**
   * The value held in {@code bytes[offset, offset + length)}.
   *
   * @throws RuntimeException if the bytes are not a valid payload; the cache then counts a decode
   *     failure, deletes the entry and reports a miss
   */
  V decode(byte[] bytes, int offset, int length);

  /**
   * Jackson JSON bound to {@code type}, with a default {@link ObjectMapper}: the JSR-310
   * ({@code java.time}, as ISO-8601 text with the zone id) and JDK 8 ({@code Optional}) modules
   * registered, unknown properties ignored. {@code DistributedCacheBuilder.build()} refuses a type
   * this codec could write but never read back.
   */
  static <V> CacheCodec<V> json(Class<V> type) {
    return JacksonCodec.of(JacksonCodec.defaultMapper(), Checks.notNull(type, "type"));
  }

  /** Jackson JSON bound to a generic {@code type} such as {@code List<User>}. */
  static <V> CacheCodec<V> json(TypeReference<V> type) {
    return JacksonCodec.of(JacksonCodec.defaultMapper(), Checks.notNull(type, "type"));
  }

  /**
   * Jackson JSON bound to {@code type}, with your {@code mapper} (modules, naming...). Do not enable
   * default typing on it.
   */
  static <V> CacheCodec<V> json(ObjectMapper mapper, Class<V> type) {
    return JacksonCodec.of(Checks.notNull(mapper, "mapper"), Checks.notNull(type, "type"));
  }

  /** Jackson JSON bound to a generic {@code type}, with your {@code mapper}. */
  static <V> CacheCodec<V> json(ObjectMapper mapper, TypeReference<V> type) {
    return JacksonCodec.of(Checks.notNull(mapper, "mapper"), Checks.notNull(type, "type"));
  }
}
