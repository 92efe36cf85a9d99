package io.mesh4j.benchmarks.spring;

import io.mesh4j.spring.boot.autoconfigure.web.MeshRestClients;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

/**
 * The application on mesh4j: the starter's beans from {@code mesh4j.*} properties
 * ({@link SpringSideBySideBench#MESH4J_PROPERTIES}), and one {@code RestClient} through the mesh.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableCaching
class MeshStack {
  @Bean
  RestClient users(MeshRestClients mesh) {
    return mesh.builder(SpringSideBySideBench.SERVICE).defaultHeader("X-Stack", "mesh4j").build();
  }
}
