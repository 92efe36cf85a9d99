package io.mesh4j.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.client.CallObserver;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Call and attempt Observations over a real Consul agent, WireMock playing the instances. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CallObservationTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final AtomicInteger SEQ = new AtomicInteger();

  static ConsulDiscovery discovery;
  static ConsulRegistry registry;
  Backends backends;
  String service;

  @BeforeAll
  static void connect() {
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
  }

  @AfterAll
  static void disconnect() {
    registry.close();
    discovery.close();
  }

  @BeforeEach
  void register() {
    service = "obs-" + SEQ.incrementAndGet();
    backends = new Backends(2);
    for (int i = 0; i < 2; i++) {
      backends.get(i).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
      registry.register(ServiceRegistration.withoutHealthCheck(backends.instance(service, i)));
    }
    await("2 instances discovered").atMost(Duration.ofSeconds(10))
        .until(() -> discovery.instances(service).size() == 2);
  }

  @AfterEach
  void deregister() {
    for (int i = 0; i < 2; i++) {
      registry.deregister(service + "-" + i);
    }
    backends.close();
  }

  /** The first attempt goes to instance 0 (killed in some tests), a retry to the other. */
  private ServiceMeshClient.Builder client() {
    return ServiceMeshClient.builder()
        .discovery(discovery)
        .loadBalancer((name, candidates, excluded) -> candidates.stream()
            .filter(c -> !excluded.contains(c))
            .min((a, b) -> a.id().compareTo(b.id()))
            .orElse(candidates.get(0)))
        .retry(r -> r.maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(2)));
  }

  @Test
  void aCallThroughAKilledInstanceIsOneCallObservationWithTwoAttemptChildren() {
    backends.get(0).stop();
    TestObservationRegistry observations = TestObservationRegistry.create();
    List<Observation.Context> stopped = recordStopped(observations);
    try (ServiceMeshClient mesh = client().observer(MeshObservations.create(observations)).build()) {
      assertEquals("ok", mesh.service(service).get("/users/{id}", 42).asString());
    }
    TestObservationRegistryAssert.assertThat(observations)
        .hasNumberOfObservationsWithNameEqualTo(DefaultMeshCallObservationConvention.NAME, 1)
        .hasNumberOfObservationsWithNameEqualTo(DefaultMeshAttemptObservationConvention.NAME, 2);
    Observation.Context call = only(stopped, DefaultMeshCallObservationConvention.NAME);
    List<Observation.Context> attempts = named(stopped, DefaultMeshAttemptObservationConvention.NAME);
    for (Observation.Context a : attempts) {
      assertNotNull(a.getParentObservation(), "an attempt has its call as parent");
      assertSame(call, a.getParentObservation().getContextView(), "an attempt has its call as parent");
      assertEquals("/users/{id}", low(a, "url.template"));
      assertEquals(service, low(a, "mesh.service"));
    }
    Observation.Context first = attempts.stream().filter(a -> a.getHighCardinalityKeyValue("http.request.resend_count") == null)
        .findFirst().orElseThrow();
    Observation.Context second = attempts.stream().filter(a -> a != first).findFirst().orElseThrow();
    assertEquals("1", second.getHighCardinalityKeyValue("http.request.resend_count").getValue());
    assertEquals("ConnectException", low(first, "error.type"));
    assertEquals("0", low(first, "http.response.status_code"));
    assertEquals("none", low(second, "error.type"));
    assertEquals("200", low(second, "http.response.status_code"));
    assertEquals("GET", low(call, "http.request.method"));
    assertEquals("/users/{id}", low(call, "url.template"));
    assertEquals("2", call.getHighCardinalityKeyValue("mesh.attempts").getValue());
    assertEquals("none", low(call, "error.type"));
  }

  @Test
  void aFailedAsyncCallEndsItsObservationWithTheError() throws Exception {
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(404)));
    TestObservationRegistry observations = TestObservationRegistry.create();
    List<Observation.Context> stopped = recordStopped(observations);
    try (ServiceMeshClient mesh = client().observer(MeshObservations.create(observations)).build()) {
      Throwable error = mesh.service(service).get("/missing/{id}", 1).executeAsync()
          .handle((r, e) -> e).get(10, TimeUnit.SECONDS);
      assertNotNull(error);
    }
    Observation.Context call = only(stopped, DefaultMeshCallObservationConvention.NAME);
    assertEquals("404", low(call, "error.type"));
    assertEquals("404", low(call, "http.response.status_code"));
    assertEquals("1", call.getHighCardinalityKeyValue("mesh.attempts").getValue(), "a 404 is not retried");
  }

  @Test
  void tagsStayBoundedUnderTenThousandDistinctPathsOnOneRouteTemplate() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    try (ServiceMeshClient mesh = client().observer(MeshObservations.create(observations))
        .listener(MeshMeters.create(meters)).build()) {
      for (int i = 0; i < 10; i++) {
        mesh.service(service).get("/users/{id}", i).asString();
      }
      int metersAfterTen = meters.getMeters().size();
      for (int i = 10; i < 10_000; i++) {
        mesh.service(service).get("/users/{id}", i).asString();
      }
      assertEquals(metersAfterTen, meters.getMeters().size(), "no meter per path");
    }
    List<Timer> attempts = List.copyOf(meters.find(DefaultMeshAttemptObservationConvention.NAME).timers());
    assertEquals(1, attempts.size());
    assertEquals("/users/{id}", attempts.get(0).getId().getTag("url.template"));
    assertEquals(10_000, attempts.get(0).count());
    assertEquals(1, meters.find(DefaultMeshCallObservationConvention.NAME).timers().size());
  }

  @Test
  void templatesWithIdsWrittenIntoThemCollapseToOtherPastTheBound() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    try (ServiceMeshClient mesh = client()
        .observer(MeshObservations.builder(observations).maxRouteTemplates(8).build()).build()) {
      for (int i = 0; i < 50; i++) {
        mesh.service(service).get("/users/" + i).asString(); // the id in the template: a caller's mistake
      }
    }
    Set<String> templates = meters.find(DefaultMeshCallObservationConvention.NAME).timers().stream()
        .map(t -> t.getId().getTag("url.template")).collect(Collectors.toSet());
    assertEquals(9, templates.size(), "8 templates and 'other': " + templates);
    assertTrue(templates.contains("other"));
  }

  @Test
  void theMeshMeterHandlerMakesTheMetersTheDefaultHandlerMakes() throws Exception {
    SimpleMeterRegistry byDefault = new SimpleMeterRegistry();
    ObservationRegistry plain = ObservationRegistry.create();
    plain.observationConfig().observationHandler(new DefaultMeterObservationHandler(byDefault));
    SimpleMeterRegistry byMesh = new SimpleMeterRegistry();
    ObservationRegistry grouped = ObservationRegistry.create();
    grouped.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
        new MeshMeterObservationHandler(byMesh), new DefaultMeterObservationHandler(byMesh)));

    backends.get(1).stubFor(any(urlPathMatching("/missing/.*")).willReturn(aResponse().withStatus(404)));
    backends.get(0).stubFor(any(urlPathMatching("/missing/.*")).willReturn(aResponse().withStatus(404)));
    for (ObservationRegistry observations : List.of(plain, grouped)) {
      try (ServiceMeshClient mesh = client().observer(MeshObservations.create(observations)).build()) {
        for (int i = 0; i < 3; i++) {
          assertEquals("ok", mesh.service(service).get("/users/{id}", i).asString());
        }
        mesh.service(service).get("/missing/{id}", 1).executeAsync().handle((r, e) -> e).get(10, TimeUnit.SECONDS);
        Observation.start("not.a.mesh.call", observations).stop(); // the default handler's
      }
    }
    backends.get(0).stop(); // a ConnectException attempt, then a retry
    for (ObservationRegistry observations : List.of(plain, grouped)) {
      try (ServiceMeshClient mesh = client().observer(MeshObservations.create(observations)).build()) {
        assertEquals("ok", mesh.service(service).get("/users/{id}", 7).asString());
      }
    }

    assertEquals(meters(byDefault), meters(byMesh));
    assertTrue(meters(byMesh).keySet().stream().anyMatch(id -> id.contains("error=ConnectException")
        || id.contains("error.type=ConnectException")), "the failed attempt is there: " + meters(byMesh).keySet());
    assertTrue(meters(byMesh).keySet().stream().anyMatch(id -> id.startsWith("not.a.mesh.call ")),
        "other Observations go to the default handler");
  }

  @Test
  void theMeshMeterHandlerFindsItsTimerAgainAfterItWasRemoved() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new MeshMeterObservationHandler(meters, false));
    try (ServiceMeshClient mesh = client().observer(MeshObservations.create(observations)).build()) {
      mesh.service(service).get("/users/{id}", 1).asString();
      Timer first = meters.find(DefaultMeshCallObservationConvention.NAME).timer();
      assertNotNull(first);
      assertEquals(1, first.count());
      meters.remove(first);
      mesh.service(service).get("/users/{id}", 2).asString();
      Timer again = meters.find(DefaultMeshCallObservationConvention.NAME).timer();
      assertNotNull(again, "a timer removed from the registry is registered again, not kept aside");
      assertEquals(1, again.count());
    }
    assertTrue(meters.getMeters().stream().noneMatch(m -> m.getId().getName().endsWith(".active")),
        "no long task timer when they are off");
  }

  /** Every meter as "name tags type" with its count (timers, long task timers' active count). */
  private static java.util.Map<String, Double> meters(SimpleMeterRegistry registry) {
    java.util.Map<String, Double> out = new java.util.TreeMap<>();
    for (io.micrometer.core.instrument.Meter m : registry.getMeters()) {
      double n = m instanceof Timer ? ((Timer) m).count()
          : m instanceof io.micrometer.core.instrument.LongTaskTimer
              ? ((io.micrometer.core.instrument.LongTaskTimer) m).activeTasks() : -1;
      if (n >= 0) {
        out.put(m.getId().getName() + " " + m.getId().getTags() + " " + m.getId().getType(), n);
      }
    }
    return out;
  }

  @Test
  void withNoRegistryAttachedNothingIsObservedAndNoMeterAppears() {
    ObservationRegistry withoutHandlers = ObservationRegistry.create();
    // The shared no-op: nothing allocated per call, and the client adds no interceptor work.
    assertSame(CallObserver.Observed.NONE, CallObserver.none().start("s", "GET", "/x", "id"));
    assertSame(CallObserver.Observed.NONE,
        MeshObservations.create(ObservationRegistry.NOOP).start("s", "GET", "/x", "id"));
    assertSame(CallObserver.Observed.NONE, MeshObservations.create(withoutHandlers).start("s", "GET", "/x", "id"));
    try (ServiceMeshClient mesh = client().observer(MeshObservations.create(withoutHandlers)).build();
        ServiceMeshClient plain = client().build()) {
      MeshResponse r = mesh.service(service).get("/users/{id}", 1).execute();
      assertEquals(200, r.status());
      assertEquals("ok", plain.service(service).get("/users/{id}", 1).asString());
      assertNull(withoutHandlers.getCurrentObservation());
    }
  }

  static List<Observation.Context> recordStopped(ObservationRegistry registry) {
    List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    registry.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }

      @Override
      public void onStop(Observation.Context context) {
        stopped.add(context);
      }
    });
    return stopped;
  }

  static List<Observation.Context> named(List<Observation.Context> contexts, String name) {
    return contexts.stream().filter(c -> name.equals(c.getName())).collect(Collectors.toList());
  }

  static Observation.Context only(List<Observation.Context> contexts, String name) {
    List<Observation.Context> l = named(contexts, name);
    assertEquals(1, l.size(), name);
    return l.get(0);
  }

  static String low(Observation.Context c, String key) {
    KeyValue kv = c.getLowCardinalityKeyValue(key);
    return kv == null ? null : kv.getValue();
  }
}
