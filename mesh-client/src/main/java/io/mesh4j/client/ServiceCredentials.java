package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * Which credentials go to which service: a service's own ({@link ServiceSettings#credentials}),
 * else the client's for all services ({@link ServiceMeshClient.Builder#credentialsForAllServices}),
 * else none. Never over cleartext http unless the service allows it
 * ({@link ServiceSettings#allowCleartextCredentials}). Immutable.
 */
final class ServiceCredentials {
  private final CredentialsProvider allServices;
  private final Map<String, CredentialsProvider> perService;
  private final Set<String> cleartextAllowed;

  ServiceCredentials(CredentialsProvider allServices, Map<String, ServiceSettings> services) {
    this.allServices = allServices;
    Map<String, CredentialsProvider> own = new LinkedHashMap<>();
    Set<String> cleartext = new HashSet<>();
    services.forEach((name, s) -> {
      if (s.credentials != null) {
        own.put(name, s.credentials);
      }
      if (s.allowCleartextCredentials) {
        cleartext.add(name);
      }
    });
    this.perService = Map.copyOf(own);
    this.cleartextAllowed = Set.copyOf(cleartext);
  }

  /** The provider of {@code serviceName}, or null when it gets no credentials. */
  CredentialsProvider of(String serviceName) {
    CredentialsProvider p = perService.get(serviceName);
    return p != null ? p : allServices;
  }

  /** Gives every OAuth2 provider without its own HTTP client the mesh's one. */
  void useHttpClientIfNone(OkHttpClient http) {
    if (allServices instanceof OAuth2ClientCredentials) {
      ((OAuth2ClientCredentials) allServices).useHttpClientIfNone(http);
    }
    for (CredentialsProvider p : perService.values()) {
      if (p instanceof OAuth2ClientCredentials) {
        ((OAuth2ClientCredentials) p).useHttpClientIfNone(http);
      }
    }
  }

  /**
   * The credential of one attempt of {@code serviceName} on {@code instance}, or null.
   *
   * @throws CleartextCredentialsException if the service has credentials, the attempt would go
   *     over http and the service does not allow that; the provider is not asked then
   */
  Credential forAttempt(String serviceName, ServiceInstance instance, boolean https) {
    CredentialsProvider p = of(serviceName);
    if (p == null) {
      return null;
    }
    if (!https && !cleartextAllowed.contains(serviceName)) {
      throw new CleartextCredentialsException(serviceName, instance);
    }
    return p.credential();
  }
}
