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

/** A child JVM starts a two-datacenter cluster and exits without closing it: no node may outlive it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterLeavesNoProcessTest {
  /** The child: starts the cluster, prints its pids and folder, exits without closing it. */
  public static void main(String[] args) {
    long t0 = System.nanoTime();
    ConsulCluster cluster = ConsulCluster.builder().secondDatacenter(true).start();
    System.out.println("STARTED_MS " + (System.nanoTime() - t0) / 1_000_000);
    for (long pid : cluster.pids()) {
      System.out.println("PID " + pid);
    }
    System.out.println("DIR " + cluster.workDir());
    System.out.println("READY");
    System.exit(0);
  }

  @Test
  void childJvmLeavesNoConsulNodeBehind() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dmesh4j.repo.root=" + System.getProperty("mesh4j.repo.root", ""),
        ClusterLeavesNoProcessTest.class.getName()).redirectErrorStream(true).start();
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
        } else if (line.startsWith("STARTED_MS ")) {
          System.out.println("[ClusterLeavesNoProcessTest] 3 servers + client agent + dc2 server ready in "
              + line.substring(11) + " ms");
        }
      }
    }
    assertTrue(child.waitFor(100, TimeUnit.SECONDS), "child exits");
    assertEquals(0, child.exitValue(), String.join("\n", output));
    assertTrue(output.contains("READY"), String.join("\n", output));
    assertEquals(5, pids.size(), "three dc1 servers, a client agent, a dc2 server: " + output);
    for (long pid : pids) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "node " + pid + " outlived its JVM");
    }
    assertEquals(1, dirs.size(), String.join("\n", output));
    assertFalse(Files.exists(dirs.get(0)), "folder " + dirs.get(0) + " outlived its JVM");
  }
}
