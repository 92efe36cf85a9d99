package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ConsulAgent#startWithHttpConnLimit(int)} and {@link ConsulAgent#catalogRegister}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsulHttpConnLimitTest {
  private static final int LIMIT = 3;
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.withHttpConnLimit(LIMIT);

  @Test
  void theAgentClosesConnectionsOverTheLimitWithoutAnswering() throws Exception {
    // The testkit's own client may hold a connection too, so count served and refused ones.
    List<Socket> open = new ArrayList<>();
    int served = 0;
    int refused = 0;
    try {
      for (int i = 0; i < LIMIT + 2; i++) {
        Socket s = connect();
        open.add(s);
        String answer = ask(s);
        if (answer.startsWith("HTTP/1.1 200")) {
          served++;
        } else {
          assertEquals("", answer, "closed without an answer");
          refused++;
        }
      }
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    assertTrue(served >= 1 && served <= LIMIT, "served " + served);
    assertTrue(refused >= 2, "refused " + refused);
  }

  @Test
  void catalogRegisterAddsAnInstanceWithACheckInTheGivenStatus() throws Exception {
    ConsulAgent agent = CONSUL.agent();
    agent.catalogRegister("limit-node", "limit-svc", 9100, "critical");
    String all = ConsulAgentTest.send("GET", agent.baseUrl() + "/v1/health/service/limit-svc", null).body();
    String passing = ConsulAgentTest.send("GET", agent.baseUrl() + "/v1/health/service/limit-svc?passing", null).body();
    assertTrue(all.contains("\"limit-svc-9100\"") && all.contains("critical"), all);
    assertEquals("[]", passing.strip());
    agent.catalogRegister("limit-node", "limit-svc", 9100, "passing");
    passing = ConsulAgentTest.send("GET", agent.baseUrl() + "/v1/health/service/limit-svc?passing", null).body();
    assertTrue(passing.contains("\"limit-svc-9100\""), passing);
  }

  private static Socket connect() throws Exception {
    Socket s = new Socket("127.0.0.1", CONSUL.agent().httpPort());
    s.setSoTimeout(5_000);
    return s;
  }

  /** One keep-alive request; the start of the answer, or "" when the agent closed the connection. */
  private static String ask(Socket s) throws Exception {
    OutputStream out = s.getOutputStream();
    try {
      out.write("GET /v1/status/leader HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (java.io.IOException closed) {
      return "";
    }
    InputStream in = s.getInputStream();
    byte[] buf = new byte[64];
    int n;
    try {
      n = in.read(buf);
    } catch (java.net.SocketException reset) {
      return "";
    }
    return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
  }
}
