package io.mesh4j.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/** The testkit's own calls to an agent's HTTP API (plain or TLS, with or without a token). */
final class ConsulHttp {
  private final HttpClient http;
  private final String baseUrl;

  ConsulHttp(String baseUrl, SSLContext sslContext) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (sslContext != null) {
      b.sslContext(sslContext);
    }
    this.http = b.build();
    this.baseUrl = baseUrl;
  }

  /** One request; {@code body} and {@code token} may be null. */
  HttpResponse<String> send(String method, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(5))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("X-Consul-Token", token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code s} as a JSON string literal. */
  static String json(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
