package io.mesh4j.cache.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mesh4j.cache.CacheCodec;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Jackson JSON bound to one type. Reader and writer are resolved once, so a decode does no type
 * lookup. The mapper's default typing is never turned on here.
 */
public final class JacksonCodec<V> implements CacheCodec<V> {
  private static final ObjectMapper DEFAULT = JsonMapper.builder()
      // Tolerate fields added by a newer writer of the same namespace (rolling deploys).
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final String typeName;

  private JacksonCodec(ObjectMapper mapper, JavaType type) {
    this.reader = mapper.readerFor(type);
    this.writer = mapper.writerFor(type);
    this.typeName = type.toString();
  }

  /** The shared default mapper. */
  public static ObjectMapper defaultMapper() {
    return DEFAULT;
  }

  /** A codec for {@code type}. */
  public static <V> JacksonCodec<V> of(ObjectMapper mapper, Class<V> type) {
    return new JacksonCodec<>(mapper, mapper.constructType(type));
  }

  /** A codec for the generic {@code type}. */
  public static <V> JacksonCodec<V> of(ObjectMapper mapper, TypeReference<V> type) {
    return new JacksonCodec<>(mapper, mapper.constructType(type));
  }

  @Override
  public byte[] encode(V value) {
    try {
      return writer.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a " + typeName + " as JSON", e);
    }
  }

  @Override
  public V decode(byte[] bytes, int offset, int length) {
    try {
      return reader.readValue(bytes, offset, length);
    } catch (IOException e) {
      throw new UncheckedIOException("payload is not a JSON " + typeName, e);
    }
  }

  @Override
  public String toString() {
    return "JacksonCodec[" + typeName + "]";
  }
}
