package io.mesh4j.benchmarks;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.benchmarks.ClientBenchSupport.Op;
import io.mesh4j.benchmarks.ClientBenchSupport.Round;
import io.mesh4j.benchmarks.support.LoopbackHttpServer;
import io.mesh4j.benchmarks.support.Throughput;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceClient;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.micrometer.DefaultMeshCallObservationConvention;
import io.mesh4j.micrometer.MeshMeterObservationHandler;
import io.mesh4j.micrometer.MeshMeters;
import io.mesh4j.micrometer.MeshObservations;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.testkit.ConsulAgent;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * What an observed ServiceMeshClient costs over the raw OkHttp call it makes: {@code client-overhead}
 * with mesh-micrometer on. Same backend, payload, threads and OkHttp settings as
 * {@link ClientOverheadBench}; side B adds a Prometheus registry (call and attempt timers through
 * {@link MeshMeterObservationHandler} grouped before {@link DefaultMeterObservationHandler}, as
 * docs/observability.md and the Spring Boot auto-configuration set them up; {@link MeshMeters} on
 * the resilience events) and tracing
 * through Micrometer Tracing's OpenTelemetry bridge, every span sampled and exported to an
 * exporter that checks and counts them in memory ({@link CountingSpanExporter}), {@code traceparent}
 * written on every attempt.
 * A and B alternate, one warm-up pair is discarded, the ratio is the median of the pairs' ratios.
 * The run fails if the observed side did not record one call timer sample and two spans per call.
 *
 * <p>{@code scripts/bench.sh client-overhead-observed [millis-per-round] [pairs]}
 */
public final class ClientOverheadObservedBench {
  private static final String SERVICE = "users";
  private static final int THREADS = 2;
  private static final int BODY_BYTES = 1024;
  private static final double TARGET = 0.90;

  private ClientOverheadObservedBench() {}

  /** Runs the benchmark; the last line is {@code RESULT client_observed_throughput_ratio=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    Duration round = Duration.ofMillis(args.length > 0 ? Integer.parseInt(args[0]) : 2000);
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 24;
    CountingSpanExporter spans = new CountingSpanExporter();
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ConsulAgent agent = ConsulAgent.startPrivate();
        LoopbackHttpServer backend = new LoopbackHttpServer(BODY_BYTES, 4);
        ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).build();
        ConsulDiscovery discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build();
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()) {
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder()
          .serviceName(SERVICE).id(SERVICE + "-1").host("127.0.0.1").port(backend.port()).build()));
      awaitDiscovered(discovery);
      ObservationRegistry observations = observations(prometheus, tracerProvider);

      OkHttpClient rawHttp = ClientBenchSupport.okHttp();
      OkHttpClient meshHttp = ClientBenchSupport.okHttp();
      try (ServiceMeshClient mesh = ServiceMeshClient.builder()
          .discovery(discovery)
          .loadBalancer(LoadBalancer.roundRobin())
          .retry(RetryConfig.defaults())
          .retryBudget(RetryBudgetConfig.defaults())
          .outlierEjection(OutlierEjectionConfig.defaults())
          .httpClient(meshHttp)
          .observer(MeshObservations.create(observations))
          .listener(MeshMeters.create(prometheus))
          .build()) {
        String url = backend.url() + "/users/";
        Op raw = () -> {
          Request request = new Request.Builder().url(url + 42).build();
          try (Response r = rawHttp.newCall(request).execute()) {
            if (r.code() != 200 || r.body().bytes().length != BODY_BYTES) {
              throw new IllegalStateException("raw: bad answer " + r.code());
            }
          }
        };
        ServiceClient users = mesh.service(SERVICE);
        Op observed = () -> {
          MeshResponse r = users.get("/users/{id}", 42).execute();
          if (r.status() != 200 || r.bodyBytes().length != BODY_BYTES) {
            throw new IllegalStateException("mesh: bad answer " + r.status());
          }
        };

        System.out.printf("client-overhead-observed: %d threads, %d ms rounds, 1 warm-up pair (4 s each) + %d measured "
            + "pairs, backend %s (%d B body), mesh as in client-overhead plus a Prometheus registry, MeshMeters and "
            + "tracing through the OpenTelemetry bridge (all spans sampled, exported to a counting in-memory exporter)%n",
            THREADS, round.toMillis(), pairs, backend.url(), BODY_BYTES);
        Duration warmUp = Duration.ofSeconds(4);
        ClientBenchSupport.closedLoop(raw, THREADS, warmUp); // warm-up, discarded
        ClientBenchSupport.closedLoop(observed, THREADS, warmUp); // warm-up, discarded
        long spansBefore = spans.exported.sum();
        long childrenBefore = spans.children.sum();
        double timedBefore = callTimerCount(prometheus);
        long requestsBefore = backend.requests();

        double[] ratio = new double[pairs];
        double[] rawOps = new double[pairs];
        double[] meshOps = new double[pairs];
        double[] rawCpu = new double[pairs];
        double[] meshCpu = new double[pairs];
        long calls = 0;
        long meshCalls = 0;
        for (int p = 0; p < pairs; p++) {
          Round a;
          Round b;
          if (p % 2 == 0) {
            a = ClientBenchSupport.closedLoop(raw, THREADS, round);
            b = ClientBenchSupport.closedLoop(observed, THREADS, round);
          } else {
            b = ClientBenchSupport.closedLoop(observed, THREADS, round);
            a = ClientBenchSupport.closedLoop(raw, THREADS, round);
          }
          calls += a.sortedNanos().length + b.sortedNanos().length;
          meshCalls += b.sortedNanos().length;
          rawOps[p] = a.opsPerSecond();
          meshOps[p] = b.opsPerSecond();
          ratio[p] = b.opsPerSecond() / a.opsPerSecond();
          rawCpu[p] = a.cpuMicrosPerOp();
          meshCpu[p] = b.cpuMicrosPerOp();
          System.out.printf("pair %2d (%s): raw OkHttp %5.0f ops/s p50 %5.1f us p99 %6.1f us cpu %4.1f us/call | observed "
              + "mesh %5.0f ops/s p50 %5.1f us p99 %6.1f us cpu %4.1f us/call | ratio %.3f%n", p + 1,
              p % 2 == 0 ? "raw first " : "mesh first", a.opsPerSecond(), a.p50Micros(), a.p99Micros(), rawCpu[p],
              b.opsPerSecond(), b.p50Micros(), b.p99Micros(), meshCpu[p], ratio[p]);
        }
        long served = backend.requests() - requestsBefore;
        if (served != calls) {
          throw new IllegalStateException("backend served " + served + " requests for " + calls + " calls");
        }
        double timed = callTimerCount(prometheus) - timedBefore;
        long exported = spans.exported.sum() - spansBefore;
        long children = spans.children.sum() - childrenBefore;
        if (timed != meshCalls || exported != 2 * meshCalls || children != meshCalls) {
          throw new IllegalStateException("the observed side recorded " + timed + " call timer samples and "
              + exported + " spans (" + children + " with a parent) for " + meshCalls + " calls (expected one sample "
              + "and two spans per call, the attempt's a child of the call's)");
        }
        double result = Throughput.median(ratio);
        System.out.printf("medians: raw OkHttp %.0f ops/s, observed mesh %.0f ops/s; CPU per call: raw %.1f us, observed "
            + "mesh %.1f us%n", Throughput.median(rawOps), Throughput.median(meshOps), Throughput.median(rawCpu),
            Throughput.median(meshCpu));
        System.out.printf("recorded: %.0f call timer samples, %d spans; Prometheus scrape %d bytes%n", timed, exported,
            prometheus.scrape().length());
        System.out.printf("throughput ratio observed mesh/raw (median of %d pairs): %.3f, target >= %.2f: %s%n",
            pairs, result, TARGET, result >= TARGET ? "met" : "MISSED");
        System.out.printf("RESULT client_observed_throughput_ratio=%.3f x%n", result);
      } finally {
        ClientBenchSupport.shutdown(rawHttp);
        ClientBenchSupport.shutdown(meshHttp);
      }
    } finally {
      prometheus.close();
    }
  }

  private static ObservationRegistry observations(PrometheusMeterRegistry prometheus, SdkTracerProvider provider) {
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    io.opentelemetry.api.trace.Tracer otelTracer = otel.getTracer("mesh4j-bench");
    OtelTracer tracer = new OtelTracer(otelTracer, new OtelCurrentTraceContext(), event -> {});
    OtelPropagator propagator = new OtelPropagator(otel.getPropagators(), otelTracer);
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig()
        .observationHandler(new FirstMatchingCompositeObservationHandler(
            new MeshMeterObservationHandler(prometheus), new DefaultMeterObservationHandler(prometheus)))
        .observationHandler(new FirstMatchingCompositeObservationHandler(
            new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
            new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
            new DefaultTracingObservationHandler(tracer)));
    return observations;
  }

  private static double callTimerCount(PrometheusMeterRegistry prometheus) {
    return prometheus.find(DefaultMeshCallObservationConvention.NAME).timers().stream()
        .mapToDouble(t -> t.count()).sum();
  }

  private static void awaitDiscovered(ConsulDiscovery discovery) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (discovery.instances(SERVICE).isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the backend never appeared in Consul discovery");
      }
      Thread.sleep(20);
    }
  }

  /**
   * The span exporter of the observed side: every span the SDK ends is handed to it (through a
   * {@link SimpleSpanProcessor}, so on the calling thread, with every attribute built), counted,
   * checked (a valid trace id; attempts are children of their call), and let go, as an exporter that
   * sends its spans away does. OpenTelemetry's {@code InMemorySpanExporter}, used before, kept every span
   * of a round (some 30,000) until the round ended: the observed side then paid for the young
   * collections copying that growing heap, a cost of the harness and not of a traced call.
   */
  static final class CountingSpanExporter implements SpanExporter {
    final LongAdder exported = new LongAdder();
    final LongAdder children = new LongAdder();

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      for (SpanData span : spans) {
        if (!span.getSpanContext().isValid()) {
          throw new IllegalStateException("a span without a valid trace context: " + span.getName());
        }
        if (span.getParentSpanContext().isValid()) {
          if (!span.getParentSpanContext().getTraceId().equals(span.getTraceId())) {
            throw new IllegalStateException("a child span in another trace than its parent: " + span.getName());
          }
          children.increment();
        }
        exported.increment();
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
