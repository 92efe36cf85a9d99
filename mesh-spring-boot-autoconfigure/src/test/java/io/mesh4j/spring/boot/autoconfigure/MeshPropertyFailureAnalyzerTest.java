package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.UrlResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

/**
 * A bad {@code mesh4j.*} value stops the start-up, and the failure report names the property, the
 * library's reason and the accepted values, without showing secrets.
 */
@Timeout(value = 60, unit = SECONDS)
class MeshPropertyFailureAnalyzerTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(Mesh4jAutoConfigurationTest.ALL);

  private FailureAnalysis analysisOf(String... properties) {
    return analysisOf(runner, properties);
  }

  /** Starts {@code runner} with {@code properties}, expects the start-up to fail, and analyses it. */
  static FailureAnalysis analysisOf(ApplicationContextRunner runner, String... properties) {
    FailureAnalysis[] out = new FailureAnalysis[1];
    runner.withPropertyValues(properties).run(context -> {
      assertThat(context).hasFailed();
      out[0] = new MeshPropertyFailureAnalyzer().analyze(context.getStartupFailure());
    });
    assertThat(out[0]).as("the analyzer recognises the failure").isNotNull();
    return out[0];
  }

  @Test
  void anUnknownPerServiceLoadBalancerNamesTheServicesProperty() {
    FailureAnalysis analysis = analysisOf("mesh4j.client.services.orders.load-balancer=fastest");
    assertThat(analysis.getDescription()).contains("'mesh4j.client.services.orders.load-balancer'").contains("fastest");
    assertThat(analysis.getAction()).contains("peak-ewma");
  }

  @Test
  void unknownLoadBalancerNamesThePropertyAndTheAcceptedValues() {
    FailureAnalysis analysis = analysisOf("mesh4j.client.load-balancer=fastest");
    assertThat(analysis.getDescription()).contains("'mesh4j.client.load-balancer'").contains("fastest");
    assertThat(analysis.getAction()).contains("mesh4j.client.load-balancer")
        .contains("round-robin, least-outstanding, peak-ewma");
  }

  @Test
  void zeroRetryAttemptsCarriesTheBuildersReason() {
    FailureAnalysis analysis = analysisOf("mesh4j.client.retry.max-attempts=0");
    assertThat(analysis.getDescription()).contains("'mesh4j.client.retry.max-attempts'")
        .contains("maxAttempts must be >= 1, was 0");
    assertThat(analysis.getAction()).contains("an integer >= 1");
  }

  @Test
  void negativeAttemptTimeoutIsNamed() {
    FailureAnalysis analysis = analysisOf("mesh4j.client.attempt-timeout=-1s");
    assertThat(analysis.getDescription()).contains("'mesh4j.client.attempt-timeout'");
  }

  @Test
  void badConsulUrlIsNamed() {
    FailureAnalysis analysis = analysisOf("mesh4j.consul.url=ftp://consul:8500");
    assertThat(analysis.getDescription()).contains("'mesh4j.consul.url'").contains("ftp://consul:8500");
    assertThat(analysis.getAction()).contains("http://host:port or https://host:port");
  }

  @Test
  void badRedisNodeIsNamed() {
    FailureAnalysis analysis = analysisOf("mesh4j.redis.nodes=no-port-here");
    assertThat(analysis.getDescription()).contains("'mesh4j.redis.nodes'").contains("no-port-here");
    assertThat(analysis.getAction()).contains("host:port");
  }

  @Test
  void aRejectedRedisCredentialNeverShowsThePassword() {
    FailureAnalysis analysis = analysisOf("mesh4j.redis.nodes=127.0.0.1:7000", "mesh4j.redis.user= ",
        "mesh4j.redis.password=hunter2-secret");
    assertThat(analysis.getDescription()).contains("'mesh4j.redis.user'").contains("(hidden)")
        .doesNotContain("hunter2-secret");
    assertThat(analysis.getAction()).doesNotContain("hunter2-secret");
  }

  @Test
  void aCacheWithoutValueTypeOrWithAnUnknownClassIsNamed() {
    FailureAnalysis missing = analysisOf("mesh4j.redis.nodes=127.0.0.1:7000", "mesh4j.cache.namespaces.users.ttl=5m");
    assertThat(missing.getDescription()).contains("'mesh4j.cache.namespaces.users.value-type'");
    FailureAnalysis unknown = analysisOf("mesh4j.redis.nodes=127.0.0.1:7000",
        "mesh4j.cache.namespaces.users.value-type=com.example.NoSuchUser");
    assertThat(unknown.getDescription()).contains("com.example.NoSuchUser");
    assertThat(unknown.getAction()).contains("fully qualified class");
  }

  @Test
  void anL1TtlAboveTheTtlIsNamed() {
    FailureAnalysis analysis = analysisOf("mesh4j.redis.nodes=127.0.0.1:7000",
        "mesh4j.cache.namespaces.users.value-type=java.lang.String", "mesh4j.cache.namespaces.users.ttl=1m",
        "mesh4j.cache.namespaces.users.l1-ttl=2m");
    assertThat(analysis.getDescription()).contains("'mesh4j.cache.namespaces.users.l1-ttl'");
  }

  @Test
  void theAnalyzerIsRegisteredForSpringBoot() throws Exception {
    List<String> analyzers = new ArrayList<>();
    Enumeration<URL> files = getClass().getClassLoader().getResources("META-INF/spring.factories");
    while (files.hasMoreElements()) {
      Properties p = PropertiesLoaderUtils.loadProperties(new UrlResource(files.nextElement()));
      String names = p.getProperty(FailureAnalyzer.class.getName());
      if (names != null) {
        analyzers.addAll(Arrays.asList(names.split(",")));
      }
    }
    assertThat(analyzers).contains(MeshPropertyFailureAnalyzer.class.getName());
  }
}
