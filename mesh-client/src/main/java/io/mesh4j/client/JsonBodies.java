package io.mesh4j.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.MeshException;
import java.io.IOException;

/** Jackson reading and writing of bodies, with errors that say what failed without the payload. */
final class JsonBodies {
  private final ObjectMapper mapper;
  private final String serviceName;

  JsonBodies(ObjectMapper mapper, String serviceName) {
    this.mapper = mapper;
    this.serviceName = serviceName;
  }

  <T> T read(byte[] body, Class<T> type) {
    try {
      return mapper.readValue(body, type);
    } catch (IOException e) {
      throw new MeshException(serviceName, "response of service '" + serviceName + "' is not valid JSON for "
          + type.getSimpleName() + ": " + reason(e), e);
    }
  }

  <T> T read(byte[] body, TypeReference<T> type) {
    try {
      return mapper.readValue(body, type);
    } catch (IOException e) {
      throw new MeshException(serviceName, "response of service '" + serviceName + "' is not valid JSON for "
          + type.getType() + ": " + reason(e), e);
    }
  }

  private static String reason(IOException e) {
    return e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.toString();
  }

  byte[] write(Object value) {
    try {
      return mapper.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("request body of type " + value.getClass().getName()
          + " cannot be written as JSON: " + e.getMessage(), e);
    }
  }
}
