package io.mesh4j.client;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.MeshException;
import java.io.IOException;

/**
 * Jackson reading and writing of bodies, with errors that say what failed (target type, line and
 * column, the parser's exception class) without any of the payload.
 */
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
      throw unreadable(type.getTypeName(), e);
    }
  }

  <T> T read(byte[] body, TypeReference<T> type) {
    try {
      return mapper.readValue(body, type);
    } catch (IOException e) {
      throw unreadable(type.getType().getTypeName(), e);
    }
  }

  /**
   * The target type, where in the body, and the parser's exception class. Neither Jackson's
   * message nor the exception itself (as cause) is kept: both quote tokens of the payload, which
   * may be personal data or secrets, into logs.
   */
  private MeshException unreadable(String typeName, IOException e) {
    String where = "";
    if (e instanceof JsonProcessingException) {
      JsonLocation at = ((JsonProcessingException) e).getLocation();
      if (at != null && at.getLineNr() > 0) {
        where = " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      }
    }
    return new MeshException(serviceName, "response of service '" + serviceName + "' cannot be read as "
        + typeName + where + ": " + e.getClass().getName()
        + " (the parser's message is left out: it quotes the body)");
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
