package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.discovery.ConsulClientBuilder;
import java.util.Arrays;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/** Applies {@code mesh4j.consul.ssl-bundle} (a Spring Boot SSL bundle) to a Consul client builder. */
public final class ConsulTlsBundle {
  private static final String PROPERTY = "mesh4j.consul.ssl-bundle";

  private ConsulTlsBundle() {}

  /** Sets {@code builder}'s TLS from the bundle named {@code name}, if a name is set. */
  public static void apply(String name, ObjectProvider<SslBundles> bundles, ConsulClientBuilder<?> builder) {
    if (name == null) {
      return;
    }
    PropertyChecks.apply(PROPERTY, name, "the name of a Spring Boot SSL bundle (spring.ssl.bundle.pem.<name> or "
        + "spring.ssl.bundle.jks.<name>) holding the CA of the agent's certificate", () -> {
          SslBundles all = bundles.getIfAvailable();
          if (all == null) {
            throw new IllegalArgumentException("no SslBundles bean: define spring.ssl.bundle.* properties");
          }
          SslBundle bundle;
          try {
            bundle = all.getBundle(name);
          } catch (RuntimeException e) { // NoSuchSslBundleException: not an argument error of ours
            throw new IllegalArgumentException("no SSL bundle named '" + name + "' (" + e.getMessage() + ")", e);
          }
          TrustManager[] managers = bundle.getManagers().getTrustManagers();
          X509TrustManager trust = Arrays.stream(managers).filter(X509TrustManager.class::isInstance)
              .map(X509TrustManager.class::cast).findFirst()
              .orElseThrow(() -> new IllegalArgumentException("the bundle '" + name + "' has no X.509 trust manager"));
          builder.tls(bundle.createSslContext(), trust);
        });
  }
}
