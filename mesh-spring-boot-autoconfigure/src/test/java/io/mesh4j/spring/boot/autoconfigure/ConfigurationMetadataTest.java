package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The IDE metadata the configuration processor writes lists every property, with a description,
 * and every property it lists is in docs/spring-boot.md (so the table cannot silently drift).
 */
@Timeout(value = 60, unit = SECONDS)
class ConfigurationMetadataTest {
  private static JsonNode metadata() throws Exception {
    try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("spring-configuration-metadata.json on the class path").isNotNull();
      return new ObjectMapper().readTree(in);
    }
  }

  private static List<String> names(JsonNode metadata) {
    List<String> names = new ArrayList<>();
    metadata.get("properties").forEach(p -> names.add(p.get("name").asText()));
    return names;
  }

  @Test
  void everyPropertyHasADescriptionAndTheLoadBalancerHasHints() throws Exception {
    JsonNode metadata = metadata();
    assertThat(names(metadata)).contains("mesh4j.consul.url", "mesh4j.consul.token", "mesh4j.consul.datacenter",
        "mesh4j.client.load-balancer", "mesh4j.client.retry.max-attempts", "mesh4j.client.attempt-timeout",
        "mesh4j.redis.nodes", "mesh4j.redis.user", "mesh4j.redis.password", "mesh4j.cache.ttl",
        "mesh4j.cache.l1-size", "mesh4j.cache.l1-ttl", "mesh4j.cache.namespaces", "mesh4j.registration.enabled");
    metadata.get("properties").forEach(p ->
        assertThat(p.path("description").asText()).as(p.get("name").asText() + " description").isNotBlank());
    List<String> hinted = new ArrayList<>();
    metadata.path("hints").forEach(h -> {
      if (h.get("name").asText().equals("mesh4j.client.load-balancer")) {
        h.get("values").forEach(v -> hinted.add(v.get("value").asText()));
      }
    });
    assertThat(hinted).containsExactly("round-robin", "least-outstanding", "peak-ewma");
  }

  @Test
  void everyPropertyIsDocumented() throws Exception {
    Path root = Path.of(System.getProperty("mesh4j.repo.root", ".."));
    String doc = Files.readString(root.resolve("docs/spring-boot.md"));
    for (String name : names(metadata())) {
      String last = name.substring(name.lastIndexOf('.') + 1);
      String parent = name.substring(0, name.lastIndexOf('.'));
      boolean listed = doc.contains("`" + name + "`") || Pattern.compile("`" + Pattern.quote(parent) + "\\.[^`]*`[^|]*\\b"
          + Pattern.quote(last) + "\\b").matcher(doc).find();
      assertThat(listed).as(name + " in docs/spring-boot.md").isTrue();
    }
    Matcher loadBalancers = Pattern.compile("`round-robin`, `least-outstanding` or `peak-ewma`").matcher(doc);
    assertThat(loadBalancers.find()).as("the load balancers in the doc").isTrue();
  }
}
