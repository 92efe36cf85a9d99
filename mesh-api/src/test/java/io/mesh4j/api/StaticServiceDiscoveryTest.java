package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaticServiceDiscoveryTest {
  static ServiceInstance instance(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  @Test
  void answersFromTheMap() {
    StaticServiceDiscovery d = StaticServiceDiscovery.of(instance("a", 1), instance("a", 2), instance("b", 3));
    assertEquals(2, d.instances("a").size());
    assertEquals(List.of(instance("b", 3)), d.instances("b"));
    assertEquals(List.of(), d.instances("unknown"));
  }

  @Test
  void aThrowingListenersWarningSaysWhatItMeansForIt() {
    StaticServiceDiscovery d = StaticServiceDiscovery.of("a", List.of(instance("a", 1)));
    d.subscribe("a", c -> {
      throw new IllegalStateException("broken");
    });
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // slf4j-simple writes there
    try {
      d.setInstances("a", List.of(instance("a", 2)));
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("WARN"), log);
    // Issue 17 item 10: a WARN says what it means for the caller, not only what happened.
    assertTrue(log.contains("a listener of service 'a' threw on a change, so it may not have applied it;"
        + " the other listeners got the change and later changes still reach this one"), log);
  }

  @Test
  void setInstancesTellsListenersWhatChanged() {
    StaticServiceDiscovery d = StaticServiceDiscovery.of("a", List.of(instance("a", 1), instance("a", 2)));
    List<ServiceChange> seen = new ArrayList<>();
    d.subscribe("a", c -> {
      throw new IllegalStateException("a broken listener must not stop the others");
    });
    Subscription s = d.subscribe("a", seen::add);
    d.setInstances("a", List.of(instance("a", 2), instance("a", 3)));
    assertEquals(1, seen.size());
    assertEquals(List.of(instance("a", 3)), seen.get(0).added());
    assertEquals(List.of(instance("a", 1)), seen.get(0).removed());
    s.close();
    d.setInstances("a", List.of());
    assertEquals(1, seen.size());
  }

  @Test
  void rejectsInstancesOfAnotherService() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StaticServiceDiscovery.of("a", List.of(instance("b", 1))));
    assertTrue(e.getMessage().contains("'b'"));
  }
}
