package io.mesh4j.testkit;

import io.mesh4j.testkit.internal.Binaries;
import io.mesh4j.testkit.internal.FreePorts;
import io.mesh4j.testkit.internal.Launcher;
import io.mesh4j.testkit.internal.ProcessRegistry;
import io.mesh4j.testkit.internal.ServerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * A real Consul agent in dev mode ({@code consul agent -dev}) on free loopback ports: HTTP, serf
 * LAN and WAN, server RPC; DNS and gRPC disabled. {@link #start()} returns once the agent has a
 * leader. A test can {@link #stop()} and {@link #start()} it again on the same ports to simulate
 * an outage; dev mode keeps nothing, so a restarted agent has forgotten every registration, as a
 * real agent that lost its state would have.
 *
 * <p>{@link #shared()} is one agent per JVM, started on first use and stopped at JVM exit; do not
 * stop it. A test that breaks the agent takes {@link #startPrivate()} and closes it. Thread safe.
 */
public final class ConsulAgent implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static ConsulAgent shared;

  private final Launcher launcher;
  private final Path dir;
  private final int httpPort;
  private final int serfLanPort;
  private final int serfWanPort;
  private final int serverPort;
  private final String nodeName;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private ServerProcess process;
  private int starts;
  private boolean closed;

  private ConsulAgent() {
    this.launcher = Binaries.launcherFor("consul");
    this.dir = ProcessRegistry.tempDir("consul");
    this.httpPort = FreePorts.next();
    this.serfLanPort = FreePorts.next();
    this.serfWanPort = FreePorts.next();
    this.serverPort = FreePorts.next();
    this.nodeName = "mesh4j-test-" + httpPort;
  }

  /** The JVM-wide shared agent, started on first call. Never stop it; take a private one instead. */
  public static synchronized ConsulAgent shared() {
    if (shared == null) {
      ConsulAgent agent = new ConsulAgent();
      agent.start();
      ProcessRegistry.closeAtExit(agent);
      shared = agent;
    }
    return shared;
  }

  /** A new agent of the caller's own, started; the caller closes it. */
  public static ConsulAgent startPrivate() {
    ConsulAgent agent = new ConsulAgent();
    ProcessRegistry.closeAtExit(agent);
    agent.start();
    return agent;
  }

  /** Starts the agent (again) on its ports and waits for a leader. Does nothing if it runs. */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("agent closed");
    }
    if (process != null && process.isAlive()) {
      return;
    }
    starts++;
    List<String> cmd = List.of("consul", "agent", "-dev",
        "-node", nodeName,
        "-bind", "127.0.0.1", "-client", "127.0.0.1", "-advertise", "127.0.0.1",
        "-http-port", String.valueOf(httpPort),
        "-serf-lan-port", String.valueOf(serfLanPort),
        "-serf-wan-port", String.valueOf(serfWanPort),
        "-server-port", String.valueOf(serverPort),
        "-dns-port", "-1", "-grpc-port", "-1",
        "-disable-host-node-id",
        "-hcl", "disable_update_check = true",
        "-log-level", "info");
    process = launcher.start("consul", cmd, dir, dir.resolve("consul-" + starts + ".log"));
    awaitLeader();
  }

  private void awaitLeader() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("consul agent exited during start; log:\n" + process.logTail());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/status/leader"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && r.body().length() > 2) {
          // A leader exists; also wait until the agent's own node is in the catalog, or
          // registrations right after start can fail with "node not found".
          HttpResponse<String> n = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/catalog/node/" + nodeName))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
          if (n.statusCode() == 200 && n.body().contains(nodeName)) {
            return;
          }
        }
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for consul", e);
      }
      sleep(100);
    }
    throw new IllegalStateException("consul agent had no leader after " + START_TIMEOUT + " (last: " + last
        + "); log:\n" + process.logTail());
  }

  /** Stops the agent (SIGTERM, then SIGKILL); its ports stay this agent's for {@link #start()}. */
  public synchronized void stop() {
    if (process != null) {
      process.stop(true);
    }
  }

  /** Kills the agent at once (SIGKILL), as a crash would. */
  public synchronized void kill() {
    if (process != null) {
      process.stop(false);
    }
  }

  /** {@link #stop()} then {@link #start()}. */
  public synchronized void restart() {
    stop();
    start();
  }

  /** True while the agent process runs. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** {@code http://127.0.0.1:<httpPort>}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The HTTP API port. */
  public int httpPort() {
    return httpPort;
  }

  /** The agent's node name. */
  public String nodeName() {
    return nodeName;
  }

  /** The process id of the running agent, where it is a local process. */
  public synchronized OptionalLong pid() {
    return process == null ? OptionalLong.empty() : process.pid();
  }

  /** Stops the agent and removes its folder. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (process != null) {
      process.stop(false);
    }
    ProcessRegistry.deleteDir(dir);
  }

  /** The temporary folder holding this agent's data and logs (removed on close). */
  public Path workDir() {
    return dir;
  }

  @Override
  public String toString() {
    return "ConsulAgent{" + baseUrl() + ", " + launcher.describe() + "}";
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
