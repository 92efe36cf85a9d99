package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.WatchFailedEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.util.Jackson;

/**
 * The streaming reader of health answers against answers recorded from a real Consul 1.8.7 agent
 * ({@code src/test/resources/consul-1.8.7}: service {@code web}, three instances on two nodes,
 * with tags, metadata ({@code secure=true} on one), tagged addresses, node and service checks,
 * one service check critical, one instance with no address of its own and no metadata), checked
 * against what consul-client's binding gave the watch before; and against bodies that are not
 * health answers.
 */
@Timeout(10)
class HealthAnswerParserTest {
  private static final String ENDPOINT = "/v1/health/service/web";

  private static byte[] recorded(String name) throws IOException {
    try (InputStream in = HealthAnswerParserTest.class.getResourceAsStream("/consul-1.8.7/" + name)) {
      return in.readAllBytes();
    }
  }

  private static List<HealthEntry> parse(byte[] body) throws IOException {
    return HealthAnswerParser.parse(new ByteArrayInputStream(body), ENDPOINT);
  }

  private static List<HealthEntry> parse(String body) throws IOException {
    return parse(body.getBytes(StandardCharsets.UTF_8));
  }

  /** What the watch read through consul-client before: its Jackson binding, then the same fields. */
  private static List<HealthEntry> viaConsulClient(byte[] body) throws IOException {
    List<ServiceHealth> bound = Jackson.MAPPER.readValue(body, new TypeReference<List<ServiceHealth>>() {});
    List<HealthEntry> out = new ArrayList<>();
    for (ServiceHealth h : bound) {
      out.add(new HealthEntry(h.getService().getId(), h.getService().getAddress(), h.getNode().getAddress(),
          h.getService().getPort(), h.getService().getTags() == null ? List.of() : h.getService().getTags(),
          h.getService().getMeta() == null ? Map.of() : h.getService().getMeta()));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"health-service-web.json", "health-service-web-passing.json"})
  void aRecordedAnswerReadsAsConsulClientReadIt(String file) throws IOException {
    byte[] body = recorded(file);
    List<HealthEntry> streamed = parse(body);
    assertEquals(viaConsulClient(body), streamed);
    List<ServiceInstance> ours = HealthEntries.toInstances("web", streamed, null);
    List<ServiceInstance> theirs = HealthEntries.toInstances("web", viaConsulClient(body), null);
    assertTrue(HealthEntries.sameContent(theirs, ours), "same instances, tags, metadata and TLS flags");
  }

  @Test
  void theRecordedAnswerGivesTheInstancesItDescribes() throws IOException {
    List<ServiceInstance> all = HealthEntries.toInstances("web", parse(recorded("health-service-web.json")), null);
    assertEquals(3, all.size());
    ServiceInstance web1 = all.get(0);
    assertEquals("web-1", web1.id());
    assertEquals("10.1.0.1", web1.host(), "the service address wins over the node's");
    assertEquals(8080, web1.port());
    assertEquals(List.of("v2", "primary"), new ArrayList<>(web1.tags()));
    assertEquals(Map.of("zone", "z1", "secure", "true"), web1.metadata());
    assertTrue(web1.secure());
    ServiceInstance web3 = all.get(2);
    assertEquals("10.0.0.2", web3.host(), "no service address: the node's");
    assertEquals(Set.of(), web3.tags());
    assertEquals(Map.of(), web3.metadata());
    List<ServiceInstance> passing = HealthEntries.toInstances("web",
        parse(recorded("health-service-web-passing.json")), null);
    assertEquals(List.of("web-1", "web-3"), passing.stream().map(ServiceInstance::id).toList(),
        "web-2's critical check keeps it out of ?passing");
  }

  @Test
  void emptyAndNullAnswers() throws IOException {
    assertEquals(List.of(), parse("[]"));
    assertNull(parse("null"), "null is no answer: the watch refuses it");
  }

  @Test
  void unknownFieldsAndNullsAreSkipped() throws IOException {
    List<HealthEntry> e = parse("[{\"Future\":{\"a\":[1,{\"b\":null}]},\"Node\":{\"Address\":\"10.0.0.1\",\"X\":[]},"
        + "\"Service\":{\"ID\":\"a\",\"Address\":null,\"Tags\":null,\"Meta\":null,\"Port\":80,\"New\":{\"c\":1}},"
        + "\"Checks\":null}]");
    assertEquals(List.of(new HealthEntry("a", null, "10.0.0.1", 80, List.of(), Map.of())), e);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{ this is not [ json",
      "{\"Node\":{}}",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":\"80\"}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80,\"Tags\":{\"a\":1}}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80,\"Meta\":{\"k\":1}}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Po",
      "[{\"Node\":\"n1\",\"Service\":{\"ID\":\"a\",\"Port\":80}}]",
      "[] []",
      ""})
  void aBodyThatIsNotAHealthListIsAFailureNamingTheEndpoint(String body) {
    MalformedAnswerException e = assertThrows(MalformedAnswerException.class, () -> parse(body));
    assertTrue(e.getMessage().startsWith("Consul's answer to /v1/health/service/web is not a health list: "),
        e.getMessage());
    ConsulFailure f = ConsulFailure.of(e, null, null);
    assertEquals(WatchFailedEvent.Reason.BAD_RESPONSE, f.reason());
    assertTrue(f.message().contains(ENDPOINT), f.message());
  }

  @Test
  void theFailureSaysWhatWasWrongAndWhere() {
    MalformedAnswerException e = assertThrows(MalformedAnswerException.class,
        () -> parse("[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":\"80\"}}]"));
    assertTrue(e.getMessage().contains("Service.Port should be an integer but is a string at line 1, column "),
        e.getMessage());
  }
}
