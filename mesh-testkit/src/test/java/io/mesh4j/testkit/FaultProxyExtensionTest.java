package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.FaultProxy.Direction;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Proxies of a test are closed after it; proxies of the class lose their faults between tests. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultProxyExtensionTest {
  @RegisterExtension
  static final FaultProxyExtension PROXIES = new FaultProxyExtension();

  private static EchoServer echo;
  private static FaultProxy classProxy;
  private static FaultProxy firstTestsProxy;

  @BeforeAll
  static void start() throws IOException {
    echo = new EchoServer();
    classProxy = PROXIES.start("127.0.0.1", echo.port());
  }

  @AfterAll
  static void stop() throws IOException {
    echo.close();
  }

  @Test
  @Order(1)
  void aTestSetsFaultsAndStartsItsOwnProxy() throws IOException {
    classProxy.blackhole();
    firstTestsProxy = PROXIES.start(echo.address());
    assertEquals(2, PROXIES.proxies().size());
    try (Socket s = new Socket()) {
      s.connect(firstTestsProxy.address(), 2_000);
    }
  }

  @Test
  @Order(2)
  void theNextTestFindsTheTestsProxyClosedAndTheClassProxyHealthy() throws IOException {
    assertEquals(1, PROXIES.proxies().size());
    try (Socket s = new Socket()) {
      assertThrows(ConnectException.class, () -> s.connect(firstTestsProxy.address(), 2_000));
    }
    try (Socket s = new Socket()) {
      s.connect(classProxy.address(), 2_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(42);
      assertEquals(42, s.getInputStream().read(), "the black hole of the first test is gone");
    }
  }

  @Test
  @Order(3)
  void clearAllRemovesEveryFault() throws IOException {
    classProxy.latency(Direction.BOTH, Duration.ofSeconds(20), Duration.ZERO);
    PROXIES.clearAll();
    try (Socket s = new Socket()) {
      s.connect(classProxy.address(), 2_000);
      s.setSoTimeout(5_000);
      long start = System.nanoTime();
      s.getOutputStream().write(7);
      assertEquals(7, s.getInputStream().read());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }
  }
}
