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

/** Starts the shared services in a child JVM that then exits; none of its servers may outlive it. */
class NoLeftoverProcessTest {
  /** The child: starts both shared services, prints their pids and folders, exits without closing them. */
  public static void main(String[] args) {
    ConsulAgent consul = ConsulAgent.shared();
    RedisCluster redis = RedisCluster.shared();
    System.out.println("PID " + consul.pid().getAsLong());
    for (long pid : redis.pids()) {
      System.out.println("PID " + pid);
    }
    System.out.println("DIR " + consul.workDir());
    System.out.println("DIR " + redis.workDir());
    System.out.println("READY");
    System.exit(0);
  }

  @Test
  void childJvmLeavesNoServerBehind() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dmesh4j.repo.root=" + System.getProperty("mesh4j.repo.root", ""),
        NoLeftoverProcessTest.class.getName()).redirectErrorStream(true);
    Process child = pb.start();
    List<Long> pids = new ArrayList<>();
    List<String> output = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
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
    assertEquals(7, pids.size(), "one consul and six redis-server processes: " + output);
    for (long pid : pids) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " outlived its JVM");
    }
    assertEquals(2, dirs.size(), String.join("\n", output));
    for (Path d : dirs) {
      assertFalse(Files.exists(d), "temporary folder " + d + " outlived its JVM");
    }
  }
}
