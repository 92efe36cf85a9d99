package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.IntFunction;
import javax.net.ssl.SSLSocketFactory;

/**
 * The {@code redis-server} processes of one test cluster: their ports (each with its cluster bus
 * port free too), starting a node in cluster mode with the cluster's security arguments, stopping
 * and dropping one, and the testkit's own admin commands on a node (authenticated first when the
 * cluster asks for it). A node added later is started exactly as the first ones were.
 *
 * <p>Thread safe. Not a public API.
 */
public final class RedisNodes {
  private static final int TIMEOUT_MILLIS = 5_000;

  private final Launcher launcher;
  private final Path dir;
  private final IntFunction<List<String>> securityArgs;
  private final SSLSocketFactory socketFactory;
  private final String adminUser;
  private final String adminPassword;
  /** Every node of the cluster, live or killed, in the order they were added; guarded by this. */
  private final List<Integer> ports = new ArrayList<>();
  private final Map<Integer, ServerProcess> processes = new LinkedHashMap<>();

  /**
   * Nodes started by {@code launcher} under {@code dir}.
   *
   * @param securityArgs per port, the authentication and TLS arguments of {@code redis-server}
   *     (for TLS they name the port too; otherwise they must hold {@code --port})
   * @param socketFactory TLS for the admin connections, or null for plain ones
   * @param adminUser the ACL user the admin commands authenticate as, or null (the default user)
   * @param adminPassword the admin password, or null for none; never logged
   */
  public RedisNodes(Launcher launcher, Path dir, IntFunction<List<String>> securityArgs,
      SSLSocketFactory socketFactory, String adminUser, String adminPassword) {
    this.launcher = launcher;
    this.dir = dir;
    this.securityArgs = securityArgs;
    this.socketFactory = socketFactory;
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
  }

  /** Reserves a free port (and its bus port, {@code port + 10000}) for one more node: its port. */
  public synchronized int reservePort() {
    int port = FreePorts.next(10_000);
    ports.add(port);
    return port;
  }

  /** Every node's port, live or not, in the order the nodes were added. */
  public synchronized List<Integer> ports() {
    return List.copyOf(ports);
  }

  /** The ports whose process runs. */
  public synchronized List<Integer> livePorts() {
    List<Integer> live = new ArrayList<>();
    for (int port : ports) {
      ServerProcess p = processes.get(port);
      if (p != null && p.isAlive()) {
        live.add(port);
      }
    }
    return live;
  }

  /** The process of the node on {@code port}, or null if it is not a node (any more). */
  public synchronized ServerProcess process(int port) {
    return processes.get(port);
  }

  /** Starts (or starts again) the node on a reserved {@code port}, in cluster mode, without persistence. */
  public synchronized void start(int port) {
    if (!ports.contains(port)) {
      throw new IllegalArgumentException("port " + port + " is not a node of this cluster: reservePort() first");
    }
    Path nodeDir = dir.resolve(String.valueOf(port));
    List<String> cmd = new ArrayList<>(List.of("redis-server"));
    cmd.addAll(securityArgs.apply(port));
    cmd.addAll(List.of(
        "--bind", "127.0.0.1",
        "--protected-mode", "no",
        "--daemonize", "no",
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes-" + port + ".conf",
        "--cluster-node-timeout", "2000",
        // Let a replica take over whatever its replication lag, so failover tests are quick.
        "--cluster-replica-validity-factor", "0",
        "--dir", nodeDir.toString(),
        "--save", "",
        "--appendonly", "no",
        "--loglevel", "notice"));
    processes.put(port, launcher.start("redis-" + port, cmd, nodeDir, dir.resolve("redis-" + port + ".log")));
  }

  /** Stops the node on {@code port} (gracefully) and drops it: no longer a port, live or not. */
  public synchronized void remove(int port) {
    ServerProcess p = processes.remove(port);
    ports.remove(Integer.valueOf(port));
    if (p != null) {
      p.stop(true);
    }
  }

  /** The process ids of the running nodes, where they are local processes. */
  public synchronized List<Long> pids() {
    List<Long> l = new ArrayList<>();
    for (ServerProcess p : processes.values()) {
      OptionalLong pid = p.pid();
      if (p.isAlive() && pid.isPresent()) {
        l.add(pid.getAsLong());
      }
    }
    return l;
  }

  /** Stops every node at once. */
  public synchronized void stopAll() {
    for (ServerProcess p : processes.values()) {
      p.stop(false);
    }
  }

  /** One admin command on {@code port} of the loopback address. */
  public Object command(int port, String... args) throws IOException {
    return command(address(port), args);
  }

  /** One admin command on its own connection, authenticated first when the cluster asks for it. */
  public Object command(InetSocketAddress node, String... args) throws IOException {
    try (Resp r = open(node)) {
      return r.command(args);
    }
  }

  /** The first element of {@code ROLE} on {@code port}: "master" or "slave" ("" if unexpected). */
  public String role(int port) throws IOException {
    Object role = command(port, "ROLE");
    return role instanceof List && !((List<?>) role).isEmpty() ? String.valueOf(((List<?>) role).get(0)) : "";
  }

  /**
   * Admin commands that reuse one authenticated connection per node, for the many commands of a
   * resharding; close it when done. Not thread safe.
   */
  public Session session() {
    return new Session();
  }

  /** The loopback address of {@code port}. */
  public static InetSocketAddress address(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  private Resp open(InetSocketAddress node) throws IOException {
    Resp r = new Resp(node, TIMEOUT_MILLIS, socketFactory);
    try {
      if (adminPassword != null) {
        Object auth = adminUser == null ? r.command("AUTH", adminPassword) : r.command("AUTH", adminUser, adminPassword);
        if (!"OK".equals(auth)) {
          // The reply names no secret: Redis answers WRONGPASS or an ACL error.
          throw new IOException("AUTH on " + node + " answered " + auth);
        }
      }
      return r;
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
  }

  /** One open admin connection per node, reused across commands. */
  public final class Session implements AutoCloseable {
    private final Map<InetSocketAddress, Resp> open = new HashMap<>();

    private Session() {}

    /** One command on {@code node}; a connection that fails is dropped, so the next command reconnects. */
    public Object command(InetSocketAddress node, String... args) throws IOException {
      Resp r = open.get(node);
      if (r == null) {
        r = open(node);
        open.put(node, r);
      }
      try {
        return r.command(args);
      } catch (IOException | RuntimeException e) {
        open.remove(node);
        r.close();
        throw e;
      }
    }

    @Override
    public void close() {
      for (Resp r : open.values()) {
        try {
          r.close();
        } catch (IOException e) {
          // Closing an admin connection that failed is no news.
        }
      }
      open.clear();
    }
  }
}
