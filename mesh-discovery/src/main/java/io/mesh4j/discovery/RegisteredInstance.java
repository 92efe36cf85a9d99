package io.mesh4j.discovery;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.internal.ConsulModes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.kiwiproject.consul.model.agent.ImmutableRegCheck;
import org.kiwiproject.consul.model.agent.ImmutableRegistration;
import org.kiwiproject.consul.model.agent.Registration;

/**
 * One instance a {@link ConsulRegistry} registered, in our form and in Consul's (to register it
 * again verbatim), with the lock and the next heartbeat that keep it alive until it is retired.
 */
final class RegisteredInstance {
  final ServiceRegistration registration;
  final Registration consul;
  /** Serializes heartbeat, re-registration and retirement of this registration. */
  final Object lock = new Object();
  volatile ScheduledFuture<?> next;
  volatile boolean retired; // deregistered or replaced: never heartbeat or re-register again

  private RegisteredInstance(ServiceRegistration registration, Registration consul) {
    this.registration = registration;
    this.consul = consul;
  }

  /** {@code registration} with its Consul form: id, name, address, port, tags, metadata, check. */
  static RegisteredInstance of(ServiceRegistration registration) {
    return new RegisteredInstance(registration, toConsul(registration));
  }

  String id() {
    return registration.instance().id();
  }

  /** Whether its check is a TTL check, which the heartbeat feeds. */
  boolean hasTtl() {
    return registration.healthCheck().map(c -> c.kind() == HealthCheck.Kind.TTL).orElse(false);
  }

  /** Stops it for good; waits for a heartbeat or re-registration of it in progress to finish. */
  void retire() {
    synchronized (lock) {
      retired = true;
      ScheduledFuture<?> f = next;
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  private static Registration toConsul(ServiceRegistration reg) {
    ServiceInstance i = reg.instance();
    Map<String, String> meta = new LinkedHashMap<>(i.metadata());
    if (i.secure()) {
      meta.put(ConsulModes.SECURE_META_KEY, "true");
    }
    ImmutableRegistration.Builder b = ImmutableRegistration.builder()
        .id(i.id())
        .name(i.serviceName())
        .address(i.host())
        .port(i.port())
        .tags(new ArrayList<>(i.tags()))
        .meta(meta);
    reg.healthCheck().ifPresent(c -> b.check(toConsul(i, c)));
    return b.build();
  }

  private static Registration.RegCheck toConsul(ServiceInstance i, HealthCheck c) {
    ImmutableRegCheck.Builder b = ImmutableRegCheck.builder();
    if (c.kind() == HealthCheck.Kind.HTTP) {
      b.http(i.uri() + c.path().orElseThrow())
          .interval(ConsulModes.goDuration(c.interval().orElseThrow()))
          .timeout(ConsulModes.goDuration(c.timeout().orElseThrow()));
    } else {
      b.ttl(ConsulModes.goDuration(c.ttl().orElseThrow()));
    }
    c.deregisterCriticalAfter().ifPresent(d -> b.deregisterCriticalServiceAfter(ConsulModes.goDuration(d)));
    return b.build();
  }
}
