package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.spring.boot.autoconfigure.web.MeshRestClients;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * With spring-web on the class path and a {@link ServiceMeshClient} bean: {@link MeshRestClients},
 * which makes {@code RestClient}s and HTTP interface clients routed through the mesh. Builders
 * start from the application's {@code RestClient.Builder} bean (Spring Boot's, with its converters
 * and observations) when there is one. Backs off when the application defines its own.
 */
@AutoConfiguration(after = Mesh4jClientAutoConfiguration.class,
    afterName = "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration")
@ConditionalOnClass({RestClient.class, ServiceMeshClient.class})
public class Mesh4jRestClientAutoConfiguration {
  /** RestClients and HTTP interface clients on the mesh. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(ServiceMeshClient.class)
  public MeshRestClients meshRestClients(ServiceMeshClient mesh, ObjectProvider<RestClient.Builder> builders) {
    return new MeshRestClients(mesh, () -> {
      RestClient.Builder own = builders.getIfAvailable();
      // Boot's builder bean is a prototype; clone anyway, in case an application made it a singleton.
      return own != null ? own.clone() : RestClient.builder();
    });
  }
}
