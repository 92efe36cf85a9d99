package io.mesh4j.benchmarks;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.Attempt;
import io.mesh4j.resilience.AttemptContext;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.ResilientExecutor;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Cost of the executor's success path with every policy on (rate limiter, bulkhead, service
 * breaker, retry with budget, ejection-aware round-robin pick, attempt timeout bookkeeping),
 * against calling the same function directly, on 2 threads (JMH, average time). Failsafe's retry
 * plus breaker alone (no instance choice, no budget, no ejection) is measured for context.
 *
 * <p>{@code scripts/bench.sh policy-overhead}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyOverheadBench {
  private static final String SERVICE = "orders";
  private static final AttemptContext CONTEXT = new AttemptContext() {
    @Override
    public String serviceName() {
      return SERVICE;
    }

    @Override
    public ServiceInstance instance() {
      return null;
    }

    @Override
    public int attempt() {
      return 1;
    }

    @Override
    public boolean idempotent() {
      return true;
    }

    @Override
    public Duration timeout() {
      return Duration.ofSeconds(10);
    }

    @Override
    public Duration remaining() {
      return Duration.ofSeconds(30);
    }
  };

  private ResilientExecutor executor;
  private CallOptions<Integer> options;
  private Attempt<Integer> attempt;
  private ServiceInstance instance;
  private FailsafeExecutor<Integer> failsafe;

  /** Builds the executor with all policies on, over three instances. */
  @Setup
  public void setUp() {
    List<ServiceInstance> instances = List.of(
        ServiceInstance.newBuilder().serviceName(SERVICE).host("10.0.0.1").port(8080).build(),
        ServiceInstance.newBuilder().serviceName(SERVICE).host("10.0.0.2").port(8080).build(),
        ServiceInstance.newBuilder().serviceName(SERVICE).host("10.0.0.3").port(8080).build());
    instance = instances.get(0);
    executor = ResilientExecutor.builder()
        .discovery(StaticServiceDiscovery.of(SERVICE, instances))
        .retry(RetryConfig.defaults())
        .retryBudget(RetryBudgetConfig.defaults())
        .outlierEjection(OutlierEjectionConfig.defaults())
        .circuitBreaker(CircuitBreakerConfig.defaults())
        .timeouts(TimeoutConfig.defaults())
        .bulkhead(BulkheadConfig.defaults())
        .rateLimiter(RateLimiterConfig.smooth(1_000_000_000L, Duration.ofSeconds(1)))
        .build();
    options = CallOptions.idempotent();
    attempt = (i, ctx) -> i.port() + ctx.attempt();
    failsafe = Failsafe.with(RetryPolicy.<Integer>ofDefaults(), CircuitBreaker.<Integer>ofDefaults());
  }

  /** The function alone. */
  @Benchmark
  public Integer direct() throws Exception {
    return attempt.call(instance, CONTEXT);
  }

  /** Through the executor, every policy on. */
  @Benchmark
  public Integer executor() {
    return executor.execute(SERVICE, options, attempt);
  }

  /** Failsafe retry + circuit breaker around the function, for context. */
  @Benchmark
  public Integer failsafeRetryAndBreaker() {
    return failsafe.get(() -> instance.port() + 1);
  }

  /**
   * Runs the JMH benchmarks (an error in any fails the run); prints Failsafe's overhead over the
   * direct call as {@code policy_overhead_failsafe_ns}, and last {@code RESULT policy_overhead_ns=<value> ns/op}.
   */
  public static void main(String[] args) throws Exception {
    Options opt = new OptionsBuilder()
        .include(PolicyOverheadBench.class.getName() + ".*")
        .forks(1)
        .threads(2)
        .warmupIterations(3).warmupTime(TimeValue.seconds(2))
        .measurementIterations(5).measurementTime(TimeValue.seconds(2))
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> results = new org.openjdk.jmh.runner.Runner(opt).run();
    double direct = Double.NaN;
    double executor = Double.NaN;
    double failsafe = Double.NaN;
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      double score = r.getPrimaryResult().getScore();
      if (label.endsWith(".direct")) {
        direct = score;
      } else if (label.endsWith(".executor")) {
        executor = score;
      } else if (label.endsWith(".failsafeRetryAndBreaker")) {
        failsafe = score;
      }
    }
    if (results.size() != 3 || Double.isNaN(direct) || Double.isNaN(executor) || Double.isNaN(failsafe)) {
      throw new IllegalStateException("JMH returned " + results.size() + " of the 3 benchmarks: direct " + direct
          + ", executor " + executor + ", Failsafe " + failsafe);
    }
    double overhead = executor - direct;
    double failsafeOverhead = failsafe - direct;
    System.out.printf("direct %.1f ns/op, executor (all policies) %.1f ns/op, Failsafe retry+breaker alone %.1f ns/op "
        + "(target < 1000 ns: %s)%n", direct, executor, failsafe, overhead < 1000 ? "met" : "MISSED");
    System.out.printf("RESULT policy_overhead_failsafe_ns=%.0f ns/op (Failsafe 3 retry + breaker alone, same run)%n",
        failsafeOverhead);
    System.out.printf("RESULT policy_overhead_ns=%.0f ns/op (mesh4j executor, every policy on)%n", overhead);
  }
}
