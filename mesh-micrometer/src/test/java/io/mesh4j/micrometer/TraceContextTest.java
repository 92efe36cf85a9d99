package io.mesh4j.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

/**
 * W3C trace context through Micrometer Tracing's OpenTelemetry bridge, spans kept in memory:
 * the backend (WireMock) receives the caller's trace id, and async callbacks keep the context.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TraceContextTest {
  private InMemorySpanExporter exporter;
  private SdkTracerProvider provider;
  private OtelTracer tracer;
  private ObservationRegistry observations;
  private Backends backends;
  private ServiceMeshClient mesh;

  @BeforeEach
  void setUp() {
    exporter = InMemorySpanExporter.create();
    provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    io.opentelemetry.api.trace.Tracer otelTracer = otel.getTracer("mesh4j-test");
    tracer = new OtelTracer(otelTracer, new OtelCurrentTraceContext(), event -> {});
    OtelPropagator propagator = new OtelPropagator(otel.getPropagators(), otelTracer);
    observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new FirstMatchingCompositeObservationHandler(
        new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
        new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
        new DefaultTracingObservationHandler(tracer)));
    backends = new Backends(1);
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")
        .withFixedDelay(200))); // the async callback is attached before the answer comes
    mesh = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of(backends.instance("users", 0)))
        .observer(MeshObservations.create(observations))
        .build();
  }

  @AfterEach
  void tearDown() {
    mesh.close();
    backends.close();
    provider.close();
  }

  @Test
  void theBackendReceivesATraceparentCarryingTheCallersTraceId() {
    String callerTraceId = Observation.createNotStarted("caller", observations).observe(() -> {
      assertEquals("ok", mesh.service("users").get("/users/{id}", 7).asString());
      return tracer.currentSpan().context().traceId();
    });
    List<LoggedRequest> received = backends.get(0).findAll(
        com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(anyUrl()));
    assertEquals(1, received.size());
    String traceparent = received.get(0).getHeader("traceparent");
    assertNotNull(traceparent, "the attempt carries a traceparent");
    assertEquals(callerTraceId, traceparent.split("-")[1], traceparent);

    List<SpanData> spans = exporter.getFinishedSpanItems();
    SpanData callerSpan = spans.stream().filter(x -> x.getName().equals("caller")).findFirst().orElseThrow();
    SpanData call = spans.stream().filter(x -> x != callerSpan && x.getKind() == SpanKind.INTERNAL)
        .findFirst().orElse(null);
    SpanData attempt = spans.stream().filter(x -> x.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertEquals(3, spans.size(), spans.toString());
    assertNotNull(call, "a span for the logical call: " + spans);
    assertEquals("GET /users/{id}", call.getName());
    assertEquals(callerSpan.getSpanId(), call.getParentSpanId(), "the call is a child of the caller");
    assertEquals(call.getSpanId(), attempt.getParentSpanId(), "the attempt is a child of the call");
    assertEquals(attempt.getSpanId(), traceparent.split("-")[2], "the backend's parent is the attempt span");
  }

  @Test
  void anAsyncCallbackRunsInTheCallsTraceWithItsRequestIdInTheMdc() throws Exception {
    List<CompletableFuture<String[]>> holder = new java.util.ArrayList<>();
    String callerTraceId = Observation.createNotStarted("caller", observations).observe(() -> {
      CompletableFuture<MeshResponse> f = mesh.service("users").get("/users/{id}", 8).executeAsync();
      holder.add(f.thenApply(r -> new String[] {
          Thread.currentThread().getName(),
          tracer.currentSpan() == null ? null : tracer.currentSpan().context().traceId(),
          MDC.get(MeshObservations.DEFAULT_MDC_KEY),
          r.requestId()}));
      return tracer.currentSpan().context().traceId();
    });
    CompletableFuture<String[]> seen = holder.get(0);
    String[] s = seen.get(10, TimeUnit.SECONDS);
    assertTrue(!s[0].equals(Thread.currentThread().getName()), "the callback ran on another thread: " + s[0]);
    assertEquals(callerTraceId, s[1], "the callback sees the caller's trace");
    assertEquals(s[3], s[2], "the callback sees the call's request id in the MDC");
    String traceparent = backends.get(0).findAll(
        com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(anyUrl())).get(0).getHeader("traceparent");
    assertEquals(callerTraceId, traceparent.split("-")[1], "the async attempt carries the caller's trace id");
  }
}
