package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.AbstractDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.mesh4j.cache.CacheCodec;
import java.io.IOException;
import java.util.zip.CRC32;

/**
 * Jackson JSON bound to one type. Reader and writer are resolved once, so a decode does no type
 * lookup. The mapper's default typing is never turned on here.
 *
 * <p>Error messages are built from the type and the JSON path only: Jackson's own messages quote
 * tokens of the payload, which may be personal data, so they never become ours and are not
 * chained as causes of decode failures.
 */
public final class JacksonCodec<V> implements CacheCodec<V> {
  private static final ObjectMapper DEFAULT = JsonMapper.builder()
      // Tolerate fields added by a newer writer of the same namespace (rolling deploys).
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      // java.time and Optional, as a Spring user expects them.
      .addModule(new JavaTimeModule())
      .addModule(new Jdk8Module())
      // java.time as ISO-8601 text with the zone id, read back as written (not moved to UTC).
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
      .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
      .build();

  private final ObjectMapper mapper;
  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final String typeName;
  private final int fingerprint;

  private JacksonCodec(ObjectMapper mapper, JavaType type) {
    this.mapper = mapper;
    this.type = type;
    this.reader = mapper.readerFor(type);
    this.writer = mapper.writerFor(type);
    this.typeName = type.toCanonical();
    this.fingerprint = fingerprint(typeName);
  }

  /** The shared default mapper (java.time and JDK 8 modules registered, unknown properties ignored). */
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

  /** The canonical name of the bound type, e.g. {@code java.util.List<com.example.User>}. */
  public String typeName() {
    return typeName;
  }

  /**
   * Four bytes that tell the bound type from another one: a CRC-32 of {@link #typeName()}, never 0
   * (0 in an envelope means "not checked").
   */
  public int fingerprint() {
    return fingerprint;
  }

  static int fingerprint(String typeName) {
    CRC32 crc = new CRC32();
    crc.update(typeName.getBytes(UTF_8));
    int f = (int) crc.getValue();
    return f == 0 ? 1 : f;
  }

  /**
   * Checks that Jackson can read the bound type back, so a value that would never decode is refused
   * when the cache is built rather than missed on every read.
   *
   * @throws IllegalArgumentException naming the namespace, the type, what is missing and the fix
   */
  public void checkDecodable(String namespace) {
    String problem;
    try {
      DefaultDeserializationContext ctxt = ((DefaultDeserializationContext) mapper.getDeserializationContext())
          .createDummyInstance(mapper.getDeserializationConfig());
      JsonDeserializer<Object> d = ctxt.findRootValueDeserializer(type);
      if (d instanceof AbstractDeserializer) {
        problem = "it is an interface or abstract class, and the JSON carries no concrete type";
      } else if (d instanceof BeanDeserializerBase b && !b.getValueInstantiator().canInstantiate()) {
        problem = "it has no constructor Jackson can call";
      } else {
        return;
      }
    } catch (JsonMappingException | RuntimeException e) {
      problem = "Jackson cannot build a reader for it (" + definitionProblem(e) + ")";
    }
    throw new IllegalArgumentException("cache '" + namespace + "': values of type " + typeName
        + " can be written but never read back: " + problem + ". Give the type a no-argument constructor"
        + " or a @JsonCreator constructor (a record works as is), cache a concrete type, or pass a"
        + " CacheCodec that can decode it (DistributedCache.builder(codec))");
  }

  private static String definitionProblem(Exception e) {
    // InvalidDefinitionException describes the type (no payload is involved when building a reader).
    return e instanceof InvalidDefinitionException ide && ide.getType() != null
        ? "invalid definition of " + ide.getType().toCanonical()
        : e.getClass().getSimpleName();
  }

  @Override
  public byte[] encode(V value) {
    try {
      return writer.writeValueAsBytes(value);
    } catch (IOException e) {
      // Serialization messages name types and properties, not payload tokens: keep the cause.
      throw new CodecException("cannot encode a " + typeName + " as JSON" + where(e) + ": " + why(e), e);
    }
  }

  @Override
  public V decode(byte[] bytes, int offset, int length) {
    try {
      return reader.readValue(bytes, offset, length);
    } catch (IOException e) {
      // No cause: Jackson's message quotes the payload.
      throw new CodecException("cannot decode a " + typeName + " from JSON" + where(e) + ": " + why(e), null);
    }
  }

  /** " at property a.b[2]", or "" when Jackson gave no path. */
  static String where(IOException e) {
    if (!(e instanceof JsonMappingException de) || de.getPath().isEmpty()) {
      return "";
    }
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference r : de.getPath()) {
      if (r.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        path.append('[').append(r.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "" : " at property " + path;
  }

  /** What went wrong, in words that quote nothing from the payload. */
  static String why(IOException e) {
    if (e instanceof InvalidFormatException f) {
      return "a value that is not a valid " + simple(f.getTargetType());
    }
    if (e instanceof InvalidDefinitionException d) {
      return "Jackson cannot handle " + (d.getType() != null ? d.getType().toCanonical() : "the type")
          + " (a missing constructor or module?)";
    }
    if (e instanceof MismatchedInputException m) {
      return "the JSON has another shape than " + simple(m.getTargetType()) + " expects";
    }
    if (e instanceof JsonProcessingException) {
      return "not valid JSON";
    }
    return "an I/O error";
  }

  private static String simple(Class<?> c) {
    return c == null ? "the type" : c.getName();
  }

  @Override
  public String toString() {
    return "JacksonCodec[" + typeName + "]";
  }

  /** A codec failure whose message names type and property only. */
  static final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CodecException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
