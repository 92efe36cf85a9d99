package io.mesh4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A child JVM starts an ACL agent and a TLS agent and exits without closing them: neither may outlive it. */
@Timeout(180)
class SecuredAgentsLeaveNoProcessTest {
  /** The child: starts both agents, prints their pids and folders, exits without closing them. */
  public static void main(String[] args) {
    ConsulAgent acl = ConsulAgent.startWithAcl();
    ConsulAgent tls = ConsulAgent.startWithTls();
    for (ConsulAgent a : List.of(acl, tls)) {
      System.out.println("PID " + a.pid().getAsLong());
      System.out.println("DIR " + a.workDir());
    }
    System.out.println("READY");
    System.exit(0);
  }

  @Test
  void childJvmLeavesNoSecuredAgentBehind() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dmesh4j.repo.root=" + System.getProperty("mesh4j.repo.root", ""),
        SecuredAgentsLeaveNoProcessTest.class.getName()).redirectErrorStream(true).start();
    List<Long> pids = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    List<String> output = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        output.add(line);
        if (line.startsWith("PID ")) {
          pids.add(Long.parseLong(line.substring(4).trim()));
        } else if (line.startsWith("DIR ")) {
          dirs.add(Path.of(line.substring(4).trim()));
        }
      }
    }
    assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child exits");
    assertEquals(0, child.exitValue(), String.join("\n", output));
    assertTrue(output.contains("READY"), String.join("\n", output));
    assertEquals(2, pids.size(), String.join("\n", output));
    for (long pid : pids) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "agent " + pid + " outlived its JVM");
    }
    for (Path d : dirs) {
      assertFalse(Files.exists(d), "folder " + d + " (with the CA key) outlived its JVM");
    }
  }
}
