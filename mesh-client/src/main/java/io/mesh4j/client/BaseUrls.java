package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;

/** Each instance's base URL, built once: {@code HttpUrl.Builder.host()} runs IDNA mapping on every call. */
final class BaseUrls {
  private final ConcurrentHashMap<ServiceInstance, HttpUrl> httpBases = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ServiceInstance, HttpUrl> httpsBases = new ConcurrentHashMap<>();

  HttpUrl of(ServiceInstance instance, boolean https) {
    ConcurrentHashMap<ServiceInstance, HttpUrl> bases = https ? httpsBases : httpBases;
    HttpUrl base = bases.get(instance);
    if (base == null) {
      if (bases.size() > 4096) {
        bases.clear(); // instances churned a lot; rebuild what is still used
      }
      base = new HttpUrl.Builder().scheme(https ? "https" : "http").host(instance.host()).port(instance.port()).build();
      bases.put(instance, base);
    }
    return base;
  }
}
