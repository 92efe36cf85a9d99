package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.testkit.ConsulExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code mesh4j.consul.ssl-bundle} against a real Consul agent serving its HTTP API over HTTPS
 * with a private CA: the bundle's trust makes discovery work; without it the certificate is
 * refused; an unknown bundle name stops start-up naming the property.
 */
@Timeout(value = 60, unit = SECONDS)
class ConsulSslBundleTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.withTls();

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
        .withConfiguration(Mesh4jAutoConfigurationTest.ALL)
        .withPropertyValues("mesh4j.consul.url=" + CONSUL.agent().baseUrl(),
            "spring.ssl.bundle.pem.consul-ca.truststore.certificate=file:" + CONSUL.agent().tls().caPem());
  }

  @Test
  void theBundlesTrustReachesTheAgentOverHttps() {
    assertThat(CONSUL.agent().baseUrl()).startsWith("https://");
    runner().withPropertyValues("mesh4j.consul.ssl-bundle=consul-ca").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(ConsulDiscovery.class).instances("consul")).isNotEmpty();
    });
  }

  @Test
  void withoutTheBundleTheAgentsCertificateIsRefused() {
    runner().run(context -> {
      assertThat(context).hasNotFailed();
      assertThrows(NoInstanceAvailableException.class, () -> context.getBean(ConsulDiscovery.class).instances("consul"));
    });
  }

  @Test
  void anUnknownBundleNamesTheProperty() {
    FailureAnalysis analysis = MeshPropertyFailureAnalyzerTest.analysisOf(runner(), "mesh4j.consul.ssl-bundle=nope");
    assertThat(analysis.getDescription()).contains("mesh4j.consul.ssl-bundle").contains("nope");
  }
}
