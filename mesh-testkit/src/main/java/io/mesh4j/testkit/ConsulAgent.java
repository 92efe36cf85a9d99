package io.mesh4j.testkit;

import io.mesh4j.testkit.internal.Binaries;
import io.mesh4j.testkit.internal.FreePorts;
import io.mesh4j.testkit.internal.Launcher;
import io.mesh4j.testkit.internal.ProcessRegistry;
import io.mesh4j.testkit.internal.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A real Consul agent in dev mode ({@code consul agent -dev}) on free loopback ports: HTTP, serf
 * LAN and WAN, server RPC; DNS and gRPC disabled. {@link #start()} returns once the agent has a
 * leader. A test can {@link #stop()} and {@link #start()} it again on the same ports to simulate
 * an outage; dev mode keeps nothing, so a restarted agent has forgotten every registration, as a
 * real agent that lost its state would have.
 *
 * <p>{@link #shared()} is one agent per JVM, started on first use and stopped at JVM exit; do not
 * stop it. A test that breaks the agent takes {@link #startPrivate()} and closes it.
 *
 * <p>{@link #startPrivateServer()} runs one server as deployed instead of a dev agent (for
 * measurements). Two secured variants, always private: {@link #startWithAcl()} (ACLs on, default policy deny,
 * tokens in {@link #acl()}) and {@link #startWithTls()} (the HTTP API over HTTPS only, the CA and a
 * ready {@code SSLContext} in {@link #tls()}). Every agent is stopped at JVM exit at the latest.
 * Thread safe.
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
  private final ConsulAcl acl; // null: ACLs off
  private final ConsulTls tls; // null: plain HTTP
  private final ConsulHttp http;
  private final int httpMaxConnsPerClient; // 0: the agent's default (200)
  private final boolean server; // a single server as deployed, not -dev
  private ServerProcess process;
  private int starts;
  private boolean closed;

  private ConsulAgent(boolean withAcl, boolean withTls) {
    this(withAcl, withTls, 0, false);
  }

  private ConsulAgent(boolean withAcl, boolean withTls, int httpMaxConnsPerClient, boolean server) {
    this.httpMaxConnsPerClient = httpMaxConnsPerClient;
    this.server = server;
    this.launcher = Binaries.launcherFor("consul");
    this.dir = ProcessRegistry.tempDir("consul");
    this.httpPort = FreePorts.next();
    this.serfLanPort = FreePorts.next();
    this.serfWanPort = FreePorts.next();
    this.serverPort = FreePorts.next();
    this.nodeName = "mesh4j-test-" + httpPort;
    this.acl = withAcl ? new ConsulAcl() : null;
    this.tls = withTls ? ConsulTls.create(dir.resolve("tls"), httpPort) : null;
    this.http = new ConsulHttp(baseUrl(), tls == null ? null : tls.sslContext());
    if (acl != null || tls != null) {
      writeSecurityConfig();
    }
  }

  private Path securityConfig() {
    return dir.resolve("security.hcl");
  }

  private void writeSecurityConfig() {
    StringBuilder hcl = new StringBuilder();
    if (acl != null) {
      hcl.append(acl.config());
    }
    if (tls != null) {
      hcl.append(tls.config());
    }
    try {
      Files.writeString(securityConfig(), hcl, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + securityConfig(), e);
    }
  }

  /** The JVM-wide shared agent, started on first call. Never stop it; take a private one instead. */
  public static synchronized ConsulAgent shared() {
    if (shared == null) {
      ConsulAgent agent = new ConsulAgent(false, false);
      agent.start();
      ProcessRegistry.closeAtExit(agent);
      shared = agent;
    }
    return shared;
  }

  /** A new agent of the caller's own, started; the caller closes it. */
  public static ConsulAgent startPrivate() {
    return startNew(false, false);
  }

  /**
   * A new agent of the caller's own with ACLs enabled and default policy deny, started, its
   * tokens created ({@link #acl()}); the caller closes it.
   */
  public static ConsulAgent startWithAcl() {
    return startNew(true, false);
  }

  /**
   * A new agent of the caller's own serving its HTTP API over HTTPS only, with a CA and
   * certificate made for it ({@link #tls()}), started; the caller closes it.
   */
  public static ConsulAgent startWithTls() {
    return startNew(false, true);
  }

  /**
   * A new agent of the caller's own that serves at most {@code limit} HTTP connections per client
   * address ({@code limits { http_max_conns_per_client }}, 200 by default in Consul), started;
   * the caller closes it. Over the limit, the agent closes new connections without answering.
   */
  public static ConsulAgent startWithHttpConnLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
    return startNew(false, false, limit);
  }

  /**
   * A new agent of the caller's own that runs as one Consul server as deployed
   * ({@code -server -bootstrap-expect 1}, its state in a data folder) instead of in dev mode,
   * started; the caller closes it. For measurements: a dev agent pretty-prints every JSON answer
   * (a 2,000-instance health answer is 3.1 MB instead of 1.4 MB) and no production agent runs
   * in dev mode. A restarted server keeps its registrations.
   */
  public static ConsulAgent startPrivateServer() {
    return startNew(false, false, 0, true);
  }

  private static ConsulAgent startNew(boolean withAcl, boolean withTls) {
    return startNew(withAcl, withTls, 0, false);
  }

  private static ConsulAgent startNew(boolean withAcl, boolean withTls, int httpMaxConnsPerClient) {
    return startNew(withAcl, withTls, httpMaxConnsPerClient, false);
  }

  private static ConsulAgent startNew(boolean withAcl, boolean withTls, int httpMaxConnsPerClient, boolean server) {
    ConsulAgent agent = null;
    try {
      agent = new ConsulAgent(withAcl, withTls, httpMaxConnsPerClient, server);
      ProcessRegistry.closeAtExit(agent);
      agent.start();
      return agent;
    } catch (RuntimeException e) {
      if (agent != null) {
        agent.close();
      }
      throw e;
    }
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
    // "consul agent [-dev] -node mesh4j-test-" leads the command line: scripts/test.sh finds
    // leaked agents by it (and by their mesh4j-testkit-* working folder).
    List<String> cmd = new ArrayList<>(server ? List.of("consul", "agent") : List.of("consul", "agent", "-dev"));
    cmd.addAll(List.of(
        "-node", nodeName,
        "-bind", "127.0.0.1", "-client", tls == null ? "127.0.0.1" : tls.clientAddresses(), "-advertise", "127.0.0.1",
        "-http-port", tls == null ? String.valueOf(httpPort) : "-1",
        "-serf-lan-port", String.valueOf(serfLanPort),
        "-serf-wan-port", String.valueOf(serfWanPort),
        "-server-port", String.valueOf(serverPort),
        "-dns-port", "-1", "-grpc-port", "-1",
        "-disable-host-node-id",
        "-hcl", "disable_update_check = true",
        "-log-level", "info"));
    if (acl != null || tls != null) {
      cmd.addAll(List.of("-config-file", securityConfig().toString()));
    }
    if (httpMaxConnsPerClient > 0) {
      cmd.addAll(List.of("-hcl", "limits { http_max_conns_per_client = " + httpMaxConnsPerClient + " }"));
    }
    if (server) {
      cmd.addAll(List.of("-server", "-bootstrap-expect", "1", "-data-dir", dir.resolve("data").toString()));
    }
    process = launcher.start("consul", cmd, dir, dir.resolve("consul-" + starts + ".log"));
    awaitLeader();
    if (acl != null) {
      acl.install(http); // dev mode forgot the tokens made by the ACL API: make them again
    }
  }

  private void awaitLeader() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("consul agent exited during start; log:\n" + process.logTail());
      }
      try {
        HttpResponse<String> r = http.send("GET", "/v1/status/leader", null, null);
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && r.body().length() > 2) {
          // A leader exists; also wait until the agent's own node is in the catalog, or
          // registrations right after start can fail with "node not found".
          HttpResponse<String> n = http.send("GET", "/v1/catalog/node/" + nodeName, null,
              acl == null ? null : acl.masterToken());
          last = "node " + n.statusCode() + " " + n.body();
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

  /** {@code http://127.0.0.1:<httpPort>}, or {@code https://127.0.0.1:<httpPort>} for a TLS agent. */
  public String baseUrl() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + httpPort;
  }

  /**
   * Registers one instance of {@code service} through the catalog (no agent check runs it): on
   * node {@code node} at 127.0.0.1:{@code port}, with a check of its own in {@code checkStatus}
   * ({@code passing}, {@code warning} or {@code critical}), its id {@code service + "-" + port}.
   * Calling it again with another status changes the check. Quick enough to register a thousand
   * services in a few seconds over one connection.
   */
  public void catalogRegister(String node, String service, int port, String checkStatus) {
    String id = service + "-" + port;
    String body = "{\"Node\":" + ConsulHttp.json(node) + ",\"Address\":\"127.0.0.1\",\"Service\":{\"ID\":"
        + ConsulHttp.json(id) + ",\"Service\":" + ConsulHttp.json(service) + ",\"Port\":" + port
        + "},\"Check\":{\"CheckID\":" + ConsulHttp.json("check-" + id) + ",\"Name\":\"testkit\",\"Status\":"
        + ConsulHttp.json(checkStatus) + ",\"ServiceID\":" + ConsulHttp.json(id) + "}}";
    catalogWrite("/v1/catalog/register", body, "catalog register of " + id);
  }

  /**
   * Registers one instance of each of {@code servicePorts}' services on node {@code node} at
   * 127.0.0.1 and the given port, without checks, in one transaction ({@code PUT /v1/txn}): one
   * Raft write, so every blocking query sees all of them at once or none. Ids are
   * {@code service + "-" + port}, as {@link #catalogRegister}'s.
   */
  public void catalogRegisterInOneWrite(String node, Map<String, Integer> servicePorts) {
    StringBuilder ops = new StringBuilder("[{\"Node\":{\"Verb\":\"set\",\"Node\":{\"Node\":")
        .append(ConsulHttp.json(node)).append(",\"Address\":\"127.0.0.1\"}}}");
    servicePorts.forEach((service, port) -> ops.append(",{\"Service\":{\"Verb\":\"set\",\"Node\":")
        .append(ConsulHttp.json(node)).append(",\"Service\":{\"ID\":").append(ConsulHttp.json(service + "-" + port))
        .append(",\"Service\":").append(ConsulHttp.json(service)).append(",\"Port\":").append(port).append("}}}"));
    ops.append(']');
    catalogWrite("/v1/txn", ops.toString(), "catalog transaction on node " + node);
  }

  /** PUTs {@code body} to {@code path} with the master token when ACLs are on; anything but 200 throws. */
  private void catalogWrite(String path, String body, String what) {
    try {
      HttpResponse<String> r = http.send("PUT", path, body, acl == null ? null : acl.masterToken());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(what + " answered " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(what + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + what, e);
    }
  }

  /**
   * The ACL tokens of an agent from {@link #startWithAcl()}.
   *
   * @throws IllegalStateException if this agent runs without ACLs
   */
  public ConsulAcl acl() {
    if (acl == null) {
      throw new IllegalStateException("this agent runs without ACLs; take one from ConsulAgent.startWithAcl()"
          + " or ConsulExtension.withAcl()");
    }
    return acl;
  }

  /**
   * The CA and trust of an agent from {@link #startWithTls()}.
   *
   * @throws IllegalStateException if this agent serves plain HTTP
   */
  public ConsulTls tls() {
    if (tls == null) {
      throw new IllegalStateException("this agent serves plain HTTP; take one from ConsulAgent.startWithTls()"
          + " or ConsulExtension.withTls()");
    }
    return tls;
  }

  /** The HTTP API port (HTTPS for a TLS agent). */
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
    return "ConsulAgent{" + baseUrl() + (acl == null ? "" : ", ACLs default deny") + ", " + launcher.describe() + "}";
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
