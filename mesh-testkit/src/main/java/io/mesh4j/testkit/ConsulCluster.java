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
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A real multi-node Consul on loopback, as production runs it: three servers in {@code dc1}
 * ({@code bootstrap_expect = 3}, each joining the others), one client agent that the application
 * talks to ({@link #clientAgent()}), and optionally a second datacenter {@code dc2} of one server
 * joined to {@code dc1} over the WAN, so that {@code ?dc=dc2} works through dc1's client agent.
 *
 * <pre>{@code
 * try (ConsulCluster c = ConsulCluster.builder().secondDatacenter(true).start()) {
 *   String url = c.clientAgent().baseUrl();
 *   ConsulCluster.Node old = c.killLeader();
 *   ConsulCluster.Node now = c.awaitLeader(Duration.ofSeconds(20));
 *   c.start(old); // back as a follower, with its data
 * }
 * }</pre>
 *
 * <p>Every node is a local process (Consul 1.8 flags only) with its own free ports (HTTP, serf
 * LAN and WAN, server RPC; DNS and gRPC off) and its own data folder, so a stopped node starts
 * again with its state. Raft runs at {@code raft_multiplier = 1} (production timing, not the
 * slow default of 5) and dead servers stay voters ({@code cleanup_dead_servers = false}), so a
 * killed leader is replaced within seconds and a restarted one rejoins. Every node is stopped at
 * JVM exit at the latest. Thread safe.
 */
public final class ConsulCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int SERVERS = 3;

  private final Launcher launcher;
  private final Path dir;
  private final List<Node> servers = new ArrayList<>();
  private final Node client;
  private final Node dc2Server; // null without a second datacenter
  private volatile boolean closed;

  private ConsulCluster(Builder b) {
    this.launcher = Binaries.launcherFor("consul");
    this.dir = ProcessRegistry.tempDir("consul-cluster");
    for (int i = 0; i < SERVERS; i++) {
      servers.add(new Node(this, "dc1", true));
    }
    this.client = new Node(this, "dc1", false);
    this.dc2Server = b.secondDatacenter ? new Node(this, "dc2", true) : null;
  }

  /** A builder: three servers and a client agent in dc1, no second datacenter. */
  public static Builder builder() {
    return new Builder();
  }

  /** The three servers of dc1 and their client agent, started; the caller closes it. */
  public static ConsulCluster startPrivate() {
    return builder().start();
  }

  private void startAll() {
    List<Node> all = allNodes();
    for (Node n : all) {
      n.writeConfig();
    }
    for (Node n : all) {
      n.launch();
    }
    awaitReady("the client agent knows a leader and three raft peers and is in the catalog", () -> {
      String peers = client.get("/v1/status/peers");
      return !leaderAddress(client).isEmpty() && peers != null && peers.split(",").length == SERVERS
          && client.status("/v1/catalog/node/" + client.name) == 200
          && client.get("/v1/catalog/node/" + client.name).contains(client.name);
    });
    if (dc2Server != null) {
      awaitReady("dc2 has a leader and dc1's client agent reaches it over the WAN",
          () -> !leaderAddress(dc2Server).isEmpty()
              && client.get("/v1/catalog/datacenters") != null
              && client.get("/v1/catalog/datacenters").contains("\"dc2\"")
              && client.status("/v1/catalog/services?dc=dc2") == 200);
    }
  }

  private void awaitReady(String what, BooleanSupplier ready) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!ready.getAsBoolean()) {
      for (Node n : allNodes()) {
        if (n.wanted && !n.isRunning()) {
          throw new IllegalStateException("consul node " + n.name + " exited during start; log:\n" + n.logTail());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("consul cluster not ready after " + START_TIMEOUT + ": waiting until "
            + what + "; " + this + "; client agent log:\n" + client.logTail());
      }
      ConsulAgent.sleep(100);
    }
  }

  /** The client agent of dc1: the one the application under test talks to. */
  public Node clientAgent() {
    return client;
  }

  /** The three servers of dc1. */
  public List<Node> servers() {
    return List.copyOf(servers);
  }

  /**
   * The server of dc2.
   *
   * @throws IllegalStateException if this cluster was built without {@code secondDatacenter(true)}
   */
  public Node dc2Server() {
    if (dc2Server == null) {
      throw new IllegalStateException("this cluster has no second datacenter; build it with"
          + " ConsulCluster.builder().secondDatacenter(true)");
    }
    return dc2Server;
  }

  /** The dc1 server that leads now, as the client agent sees it; empty during an election. */
  public Optional<Node> leader() {
    String address = leaderAddress(client);
    return servers.stream().filter(s -> s.rpcAddress().equals(address)).findFirst();
  }

  /**
   * Kills the current dc1 leader at once (SIGKILL, as a crash would).
   *
   * @return the killed server, for {@link #start(Node)}
   * @throws IllegalStateException if there is no leader now
   */
  public Node killLeader() {
    Node leader = leader().orElseThrow(() -> new IllegalStateException(
        "no dc1 leader to kill now; call awaitLeader(timeout) first"));
    leader.kill();
    return leader;
  }

  /**
   * Waits until the client agent knows a leader that is a running dc1 server (a new one after a
   * kill: the killed one is not running).
   *
   * @return that leader
   * @throws IllegalStateException if none was elected within {@code timeout}
   */
  public Node awaitLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Node> leader = leader();
      if (leader.isPresent() && leader.get().isRunning()) {
        return leader.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no running dc1 leader known to the client agent after " + timeout
            + " (it names '" + leaderAddress(client) + "'); " + this);
      }
      ConsulAgent.sleep(50);
    }
  }

  /** Stops {@code node} gracefully (SIGTERM, then SIGKILL); its data and ports stay for {@link #start(Node)}. */
  public void stop(Node node) {
    own(node).stop();
  }

  /** Starts a stopped or killed {@code node} again with its data, and waits until it knows a leader. */
  public void start(Node node) {
    own(node).launch();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (leaderAddress(node).isEmpty()) {
      if (!node.isRunning()) {
        throw new IllegalStateException("consul node " + node.name + " exited on restart; log:\n" + node.logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("restarted node " + node.name + " knew no leader after " + START_TIMEOUT);
      }
      ConsulAgent.sleep(100);
    }
  }

  private Node own(Node node) {
    if (node == null || node.cluster != this) {
      throw new IllegalArgumentException("node " + node + " is not a node of this cluster");
    }
    return node;
  }

  private static String leaderAddress(Node n) {
    String body = n.get("/v1/status/leader");
    return body == null ? "" : body.trim().replace("\"", "");
  }

  private List<Node> allNodes() {
    List<Node> all = new ArrayList<>(servers);
    all.add(client);
    if (dc2Server != null) {
      all.add(dc2Server);
    }
    return all;
  }

  /** Stops every node and removes the data folders. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Node n : allNodes()) {
      n.kill();
    }
    ProcessRegistry.deleteDir(dir);
  }

  /** The temporary folder holding every node's data and logs (removed on close). */
  public Path workDir() {
    return dir;
  }

  /** The process ids of the running nodes. */
  public List<Long> pids() {
    return allNodes().stream().map(Node::pid).filter(OptionalLong::isPresent).map(OptionalLong::getAsLong)
        .collect(Collectors.toList());
  }

  @Override
  public String toString() {
    return "ConsulCluster{" + allNodes().stream().map(Node::toString).collect(Collectors.joining(", ")) + "}";
  }

  /** Options of a {@link ConsulCluster}. */
  public static final class Builder {
    private boolean secondDatacenter;

    private Builder() {}

    /** Adds datacenter {@code dc2} (one server) joined to dc1 over the WAN. Default off. */
    public Builder secondDatacenter(boolean enabled) {
      this.secondDatacenter = enabled;
      return this;
    }

    /** Starts the cluster and waits until it is ready; the caller closes it. */
    public ConsulCluster start() {
      ConsulCluster c = new ConsulCluster(this);
      ProcessRegistry.closeAtExit(c);
      try {
        c.startAll();
        return c;
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }
  }

  /** One Consul process of a {@link ConsulCluster}: a server or a client agent. */
  public static final class Node {
    private final ConsulCluster cluster;
    private final String datacenter;
    private final boolean server;
    private final int httpPort = FreePorts.next();
    private final int serfLanPort = FreePorts.next();
    private final int serfWanPort = FreePorts.next();
    private final int serverPort = FreePorts.next();
    private final String name = "mesh4j-test-" + httpPort;
    private final Path home;
    private final ConsulHttp http;
    private ServerProcess process;
    private boolean wanted;
    private int starts;

    private Node(ConsulCluster cluster, String datacenter, boolean server) {
      this.cluster = cluster;
      this.datacenter = datacenter;
      this.server = server;
      this.home = cluster.dir.resolve(name);
      this.http = new ConsulHttp(baseUrl(), null);
    }

    /** {@code http://127.0.0.1:<httpPort>}. */
    public String baseUrl() {
      return "http://127.0.0.1:" + httpPort;
    }

    /** The node name. */
    public String name() {
      return name;
    }

    /** {@code dc1} or {@code dc2}. */
    public String datacenter() {
      return datacenter;
    }

    /** True for a server, false for a client agent. */
    public boolean isServer() {
      return server;
    }

    /** {@code 127.0.0.1:<server port>}, as {@code /v1/status/leader} names a server. */
    public String rpcAddress() {
      return "127.0.0.1:" + serverPort;
    }

    /** True while the process runs. */
    public synchronized boolean isRunning() {
      return process != null && process.isAlive();
    }

    /** The process id while it runs. */
    public synchronized OptionalLong pid() {
      return process == null || !process.isAlive() ? OptionalLong.empty() : process.pid();
    }

    synchronized void launch() {
      if (cluster.closed) {
        throw new IllegalStateException("cluster closed");
      }
      if (isRunning()) {
        return;
      }
      wanted = true;
      starts++;
      // "consul agent -node mesh4j-test-" leads the command line: scripts/test.sh finds leaked
      // nodes by it (and by their mesh4j-testkit-* working folder).
      process = cluster.launcher.start("consul", List.of("consul", "agent", "-node", name,
          "-config-file", home.resolve("node.hcl").toString()), home, home.resolve("consul-" + starts + ".log"));
    }

    synchronized void stop() {
      wanted = false;
      if (process != null) {
        process.stop(true);
      }
    }

    synchronized void kill() {
      wanted = false;
      if (process != null) {
        process.stop(false);
      }
    }

    String logTail() {
      ServerProcess p;
      synchronized (this) {
        p = process;
      }
      return p == null ? "(never started)" : p.logTail();
    }

    /** A GET's body on 200, else null (also when unreachable). */
    String get(String path) {
      try {
        HttpResponse<String> r = http.send("GET", path, null, null);
        return r.statusCode() == 200 ? r.body() : null;
      } catch (IOException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    int status(String path) {
      try {
        return http.send("GET", path, null, null).statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    void writeConfig() {
      StringBuilder hcl = new StringBuilder()
          .append("datacenter = \"").append(datacenter).append("\"\n")
          .append("data_dir = \"").append(home.resolve("data")).append("\"\n")
          .append("bind_addr = \"127.0.0.1\"\nclient_addr = \"127.0.0.1\"\nadvertise_addr = \"127.0.0.1\"\n")
          .append("ports {\n  http = ").append(httpPort).append("\n  dns = -1\n  grpc = -1\n  serf_lan = ")
          .append(serfLanPort).append("\n  serf_wan = ").append(serfWanPort).append("\n  server = ")
          .append(serverPort).append("\n}\n")
          .append("disable_update_check = true\ndisable_host_node_id = true\nlog_level = \"info\"\n")
          .append("performance { raft_multiplier = 1 }\n")
          .append("retry_interval = \"250ms\"\nretry_interval_wan = \"250ms\"\n");
      List<Node> lanPeers = "dc1".equals(datacenter) ? cluster.servers : List.of();
      String join = lanPeers.stream().filter(s -> s != this).map(s -> "\"127.0.0.1:" + s.serfLanPort + "\"")
          .collect(Collectors.joining(", "));
      if (!join.isEmpty()) {
        hcl.append("retry_join = [").append(join).append("]\n");
      }
      if (server) {
        boolean dc1 = "dc1".equals(datacenter);
        hcl.append("server = true\nbootstrap_expect = ").append(dc1 ? SERVERS : 1).append('\n')
            .append("autopilot { cleanup_dead_servers = false }\n");
        if (!dc1) {
          hcl.append("retry_join_wan = [").append(cluster.servers.stream()
              .map(s -> "\"127.0.0.1:" + s.serfWanPort + "\"").collect(Collectors.joining(", "))).append("]\n");
        }
      }
      try {
        Files.createDirectories(home);
        Files.writeString(home.resolve("node.hcl"), hcl, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the config of consul node " + name + " in " + home, e);
      }
    }

    @Override
    public String toString() {
      return name + "(" + datacenter + (server ? " server " : " client ") + baseUrl()
          + (isRunning() ? "" : ", not running") + ")";
    }
  }
}
