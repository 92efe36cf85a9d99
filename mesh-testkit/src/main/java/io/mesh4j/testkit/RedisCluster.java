package io.mesh4j.testkit;

import static io.mesh4j.testkit.RedisReplies.awaitFor;
import static io.mesh4j.testkit.RedisReplies.expectOk;
import static io.mesh4j.testkit.RedisReplies.str;

import io.mesh4j.testkit.internal.Binaries;
import io.mesh4j.testkit.internal.FreePorts;
import io.mesh4j.testkit.internal.Launcher;
import io.mesh4j.testkit.internal.ProcessRegistry;
import io.mesh4j.testkit.internal.Resp;
import io.mesh4j.testkit.internal.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A real Redis Cluster: six {@code redis-server} processes on free loopback ports, three masters
 * with a replica each, no persistence. {@link #startPrivate()} returns once every node reports
 * {@code cluster_state:ok}, all 16384 slots are covered and every replica's link is up.
 *
 * <p>The slots are assigned and the replicas attached with cluster commands sent directly (no
 * {@code redis-cli}). A test can kill a master and wait for its replica to be promoted
 * ({@link #killMasterAndAwaitFailover}), start the killed node again ({@link #restartNode}), and
 * kill client connections ({@link #killClients}).
 *
 * <p>{@link #shared()} is one cluster per JVM, stopped at JVM exit; tests that break things take
 * {@link #startPrivate()} and close it. {@link #builder()} starts a private cluster that asks
 * clients to authenticate, through the servers' own configuration: a password for the default user
 * ({@code requirepass}) or ACL users (with the default user switched off), and that serves TLS only
 * ({@link Builder#tls()}, {@link #tls()}); the testkit's own commands use TLS and credentials too.
 * Thread safe.
 */
public final class RedisCluster implements AutoCloseable {
  private static final int NODES = 6;
  private static final int MASTERS = 3;
  private static final int SLOTS = 16384;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static RedisCluster shared;

  private final Launcher launcher;
  private final Path dir;
  private final List<Integer> ports = new ArrayList<>();
  private final Map<Integer, ServerProcess> processes = new LinkedHashMap<>();
  private final RedisSecurity security;
  /** The certificates and stores of a TLS cluster, or null. */
  private final RedisTls tls;
  private boolean closed;

  private RedisCluster() {
    this(RedisSecurity.NONE);
  }

  private RedisCluster(RedisSecurity security) {
    this.security = security;
    this.launcher = Binaries.launcherFor("redis-server");
    this.dir = ProcessRegistry.tempDir("redis");
    this.tls = security.makeTls(dir.resolve("tls"));
    for (int i = 0; i < NODES; i++) {
      ports.add(FreePorts.next(10_000));
    }
  }

  /** The JVM-wide shared cluster, started on first call. Never break it; take a private one. */
  public static synchronized RedisCluster shared() {
    if (shared == null) {
      RedisCluster c = new RedisCluster();
      c.start();
      ProcessRegistry.closeAtExit(c);
      shared = c;
    }
    return shared;
  }

  /** A new cluster of the caller's own, started; the caller closes it. */
  public static RedisCluster startPrivate() {
    return startPrivate(new RedisCluster());
  }

  /** A builder of a private cluster whose clients must authenticate. */
  public static Builder builder() {
    return new Builder();
  }

  private static RedisCluster startPrivate(RedisCluster c) {
    ProcessRegistry.closeAtExit(c);
    try {
      c.start();
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private synchronized void start() {
    for (int port : ports) {
      startNode(port);
    }
    awaitAllPing();
    try {
      List<String> ids = new ArrayList<>();
      for (int port : ports) {
        ids.add(str(cmd(port, "CLUSTER", "MYID")));
      }
      int per = SLOTS / MASTERS;
      for (int m = 0; m < MASTERS; m++) {
        int from = m * per;
        int to = m == MASTERS - 1 ? SLOTS - 1 : (m + 1) * per - 1;
        expectOk(cmd(ports.get(m), "CLUSTER", "ADDSLOTSRANGE", String.valueOf(from), String.valueOf(to)));
        // Distinct config epochs, as redis-cli does, so no epoch collision has to be resolved.
        cmd(ports.get(m), "CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(m + 1));
      }
      for (int i = 1; i < NODES; i++) {
        expectOk(cmd(ports.get(0), "CLUSTER", "MEET", "127.0.0.1", String.valueOf(ports.get(i))));
      }
      awaitFor("all nodes know each other", START_TIMEOUT, () -> {
        for (int port : ports) {
          String nodes = str(cmd(port, "CLUSTER", "NODES"));
          if (nodes.lines().count() < NODES || nodes.contains("handshake") || nodes.contains("noaddr")) {
            return false;
          }
        }
        return true;
      });
      for (int r = MASTERS; r < NODES; r++) {
        String masterId = ids.get(r - MASTERS);
        int port = ports.get(r);
        awaitFor("replica " + port + " attached", START_TIMEOUT, () -> "OK".equals(cmd(port, "CLUSTER", "REPLICATE", masterId)));
      }
      awaitHealthy(START_TIMEOUT);
    } catch (IOException e) {
      throw new UncheckedIOException("redis cluster setup failed", e);
    }
  }

  private void startNode(int port) {
    Path nodeDir = dir.resolve(String.valueOf(port));
    List<String> cmd = new ArrayList<>(List.of("redis-server"));
    cmd.addAll(security.nodeArgs(port, tls));
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

  private void awaitAllPing() {
    awaitFor("every node answers PING", START_TIMEOUT, () -> {
      for (int port : ports) {
        ServerProcess p = processes.get(port);
        if (!p.isAlive()) {
          throw new IllegalStateException("redis-server on port " + port + " exited; log:\n" + p.logTail());
        }
        try {
          if (!"PONG".equals(cmd(port, "PING"))) {
            return false;
          }
        } catch (IOException e) {
          return false;
        }
      }
      return true;
    });
  }

  /**
   * Waits until every live node reports {@code cluster_state:ok}, the live masters cover all
   * slots, and every live replica's link to its master is up.
   */
  public void awaitHealthy(Duration timeout) {
    awaitFor("cluster healthy", timeout, this::isHealthy);
  }

  private boolean isHealthy() throws IOException {
    List<Integer> live = livePorts();
    int covered = 0;
    for (int port : live) {
      String info;
      try {
        info = str(cmd(port, "CLUSTER", "INFO"));
      } catch (IOException e) {
        return false;
      }
      if (!info.contains("cluster_state:ok")) {
        return false;
      }
      if ("slave".equals(role(port)) && !str(cmd(port, "INFO", "replication")).contains("master_link_status:up")) {
        return false;
      }
    }
    String nodes = str(cmd(live.get(0), "CLUSTER", "NODES"));
    for (String line : nodes.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail")) {
        for (int i = 8; i < f.length; i++) {
          String range = f[i];
          if (range.startsWith("[")) {
            continue;
          }
          int dash = range.indexOf('-');
          covered += dash < 0 ? 1 : Integer.parseInt(range.substring(dash + 1)) - Integer.parseInt(range.substring(0, dash)) + 1;
        }
      }
    }
    return covered == SLOTS;
  }

  /** All six nodes, live or not, as seed addresses. */
  public List<InetSocketAddress> seedNodes() {
    List<InetSocketAddress> l = new ArrayList<>();
    for (int p : ports) {
      l.add(new InetSocketAddress("127.0.0.1", p));
    }
    return Collections.unmodifiableList(l);
  }

  /** {@code host:port} strings of all six nodes. */
  public List<String> seedNodeStrings() {
    List<String> l = new ArrayList<>();
    for (int p : ports) {
      l.add("127.0.0.1:" + p);
    }
    return Collections.unmodifiableList(l);
  }

  /** The live nodes that are masters now. */
  public List<InetSocketAddress> masterAddresses() {
    List<InetSocketAddress> l = new ArrayList<>();
    for (int port : livePorts()) {
      try {
        if ("master".equals(role(port))) {
          l.add(new InetSocketAddress("127.0.0.1", port));
        }
      } catch (IOException e) {
        // A node that does not answer is not a usable master.
      }
    }
    return l;
  }

  /**
   * The live master that serves {@code slot} now, as the cluster itself reports it
   * ({@code CLUSTER SLOTS} on the first live node that answers).
   *
   * @throws IllegalArgumentException if {@code slot} is not in 0..16383
   * @throws IllegalStateException if no live node answers or no master serves the slot
   */
  public InetSocketAddress masterOfSlot(int slot) {
    if (slot < 0 || slot >= SLOTS) {
      throw new IllegalArgumentException("slot must be in 0.." + (SLOTS - 1) + ", was " + slot);
    }
    for (int port : livePorts()) {
      Object reply;
      try {
        reply = cmd(port, "CLUSTER", "SLOTS");
      } catch (IOException e) {
        continue;
      }
      if (!(reply instanceof List)) {
        continue;
      }
      int owner = RedisReplies.slotOwnerPorts(reply)[slot];
      if (owner == 0) {
        throw new IllegalStateException("no master serves slot " + slot + " according to port " + port);
      }
      return new InetSocketAddress("127.0.0.1", owner);
    }
    throw new IllegalStateException("no live node answered CLUSTER SLOTS");
  }

  /**
   * Kills one master process at once (SIGKILL), then waits until a replica has taken its slots
   * and the cluster is healthy again.
   *
   * @return the killed master's address
   */
  public synchronized InetSocketAddress killMasterAndAwaitFailover(Duration timeout) {
    List<InetSocketAddress> masters = masterAddresses();
    if (masters.isEmpty()) {
      throw new IllegalStateException("no live master");
    }
    return killMasterAndAwaitFailover(masters.get(0), timeout);
  }

  /**
   * Kills the master at {@code victim} at once (SIGKILL), then waits until its replica has taken
   * its slots and the cluster is healthy again. Pair it with {@link #masterOfSlot} to kill the
   * master that holds a given key or channel.
   *
   * @return {@code victim}
   * @throws IllegalArgumentException if {@code victim} is not a live master of this cluster
   */
  public synchronized InetSocketAddress killMasterAndAwaitFailover(InetSocketAddress victim, Duration timeout) {
    if (!masterAddresses().contains(victim)) {
      throw new IllegalArgumentException("not a live master of this cluster: " + victim
          + "; the masters are " + masterAddresses());
    }
    processes.get(victim.getPort()).stop(false);
    awaitFor("replica promoted after killing " + victim, timeout, () -> {
      List<InetSocketAddress> now = masterAddresses();
      return now.size() == MASTERS && !now.contains(victim) && isHealthy();
    });
    return victim;
  }

  /** Starts a killed node again on its port; it rejoins (a killed master comes back as a replica). */
  public synchronized void restartNode(InetSocketAddress node) {
    ServerProcess p = processes.get(node.getPort());
    if (p == null) {
      throw new IllegalArgumentException("not a node of this cluster: " + node);
    }
    if (p.isAlive()) {
      return;
    }
    startNode(node.getPort());
  }

  /**
   * {@code CLIENT KILL <filter...>} on every live node, e.g. {@code killClients("TYPE", "pubsub")};
   * the testkit's own connection is skipped.
   *
   * @return how many connections were killed
   */
  public long killClients(String... filter) {
    long killed = 0;
    for (int port : livePorts()) {
      String[] args = new String[filter.length + 2];
      args[0] = "CLIENT";
      args[1] = "KILL";
      System.arraycopy(filter, 0, args, 2, filter.length);
      try {
        Object r = cmd(port, args);
        if (r instanceof Long) {
          killed += (Long) r;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return killed;
  }

  /** One raw command on {@code node}: the reply as String, Long, List, null, or an error object. */
  public Object command(InetSocketAddress node, String... args) {
    try {
      return call(node, args);
    } catch (IOException e) {
      throw new UncheckedIOException("command on " + node + " failed", e);
    }
  }

  /** {@code FLUSHALL} on every live master. */
  public void flushAll() {
    for (InetSocketAddress m : masterAddresses()) {
      command(m, "FLUSHALL");
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

  /** Stops every node and removes the folder. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ServerProcess p : processes.values()) {
      p.stop(false);
    }
    ProcessRegistry.deleteDir(dir);
  }

  /** The temporary folder holding this cluster's data and logs (removed on close). */
  public Path workDir() {
    return dir;
  }

  @Override
  public String toString() {
    return "RedisCluster{" + seedNodeStrings() + security.describe() + ", " + launcher.describe() + "}";
  }

  /**
   * Starts a private cluster whose clients must authenticate. Not thread safe.
   *
   * <pre>{@code
   * RedisCluster.builder().requirePass("s3cret").startPrivate();        // AUTH s3cret
   * RedisCluster.builder().aclUser("app", "s3cret").startPrivate();     // AUTH app s3cret
   * }</pre>
   */
  public static final class Builder {
    /**
     * ACL rules that allow what mesh-cache needs and no more: data, scripts, pub/sub and the
     * topology commands, on every key and channel; no admin or dangerous command (FLUSHALL, KEYS,
     * CONFIG, DEBUG, CLIENT KILL...).
     */
    public static final String CACHE_ACL_RULES = "~* &* -@all +@read +@write +@keyspace +@pubsub +@scripting"
        + " +@connection -@dangerous +cluster|slots +cluster|shards +cluster|nodes +cluster|info +cluster|myid";
    private String user;
    private String password;
    private final List<RedisSecurity.AclUser> aclUsers = new ArrayList<>();
    private boolean tls;
    private boolean clientCertificates;
    private List<String> nodeNames = RedisTls.NODE_NAMES;

    private Builder() {}

    /**
     * The default user's password ({@code requirepass}); replicas use it as {@code masterauth}.
     *
     * @throws IllegalArgumentException if {@code password} is blank or holds whitespace
     */
    public Builder requirePass(String password) {
      this.password = RedisSecurity.checkSecret(password, "password");
      this.user = null;
      aclUsers.clear();
      return this;
    }

    /**
     * An ACL user allowed every command, key and channel, authenticated with {@code password}; the
     * default user is switched off, so an anonymous or default-user client is refused. Replicas
     * authenticate as this user ({@code masteruser}, {@code masterauth}).
     *
     * @throws IllegalArgumentException if a value is blank or holds whitespace
     */
    public Builder aclUser(String user, String password) {
      return aclUser(user, password, RedisSecurity.allRules());
    }

    /**
     * The application's ACL user, limited to {@code rules} (as after {@code ACL SETUSER name}, e.g.
     * {@link #CACHE_ACL_RULES}); the default user is switched off. Unless the rules are
     * {@code ~* &* +@all}, the testkit and the replicas use a user of their own with a random password.
     *
     * @throws IllegalArgumentException if a value is blank or the user or password holds whitespace
     */
    public Builder aclUser(String user, String password, String rules) {
      this.user = RedisSecurity.checkSecret(user, "user");
      this.password = RedisSecurity.checkSecret(password, "password");
      aclUsers.removeIf(u -> u.name().equals(user));
      aclUsers.add(0, new RedisSecurity.AclUser(user, password, RedisSecurity.checkRules(rules)));
      return this;
    }

    /**
     * One more ACL user (after {@link #aclUser}), e.g. one lacking a permission the cache needs.
     *
     * @throws IllegalArgumentException if a value is blank or the user or password holds whitespace
     */
    public Builder addAclUser(String user, String password, String rules) {
      aclUsers.add(new RedisSecurity.AclUser(RedisSecurity.checkSecret(user, "user"), RedisSecurity.checkSecret(password, "password"),
          RedisSecurity.checkRules(rules)));
      return this;
    }

    /**
     * Serves TLS only ({@code port 0}, {@code tls-port}), on the cluster bus and replication too,
     * with certificates made at start ({@link RedisCluster#tls()}); a client certificate is accepted
     * but not required.
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** As {@link #tls()}, and a client without a certificate signed by the CA is refused. */
    public Builder tlsWithClientCertificates() {
      this.tls = true;
      this.clientCertificates = true;
      return this;
    }

    /** As {@link #tls()}, with node certificates naming only {@code names} (IPs or DNS names). */
    public Builder tlsNodeCertificateNames(String... names) {
      this.nodeNames = List.of(names);
      this.tls = true;
      return this;
    }

    /** Starts the cluster; the caller closes it. */
    public RedisCluster startPrivate() {
      if (password == null && !tls) {
        throw new IllegalStateException("set requirePass(...), aclUser(...) or tls(), or use RedisCluster.startPrivate()");
      }
      if (user == null && !aclUsers.isEmpty()) {
        throw new IllegalStateException("addAclUser(...) needs aclUser(...) first: the application's user");
      }
      return RedisCluster.startPrivate(new RedisCluster(new RedisSecurity(user, password,
          user == null ? List.of() : aclUsers, tls, clientCertificates, nodeNames)));
    }
  }

  private synchronized List<Integer> livePorts() {
    List<Integer> live = new ArrayList<>();
    for (Map.Entry<Integer, ServerProcess> e : processes.entrySet()) {
      if (e.getValue().isAlive()) {
        live.add(e.getKey());
      }
    }
    return live;
  }

  private Object cmd(int port, String... args) throws IOException {
    return call(new InetSocketAddress("127.0.0.1", port), args);
  }

  /**
   * The TLS material (CA, trust store, client key store and their password) of a cluster started
   * with {@link Builder#tls()}.
   *
   * @throws IllegalStateException if this cluster does not serve TLS
   */
  public RedisTls tls() {
    if (tls == null) {
      throw new IllegalStateException("this cluster serves no TLS: start it with RedisCluster.builder().tls()");
    }
    return tls;
  }

  /** The application's ACL user, or null (the default user). */
  public String user() {
    return security.user();
  }

  /** The application's password (of its ACL user or the default user), or null for none. */
  public String password() {
    return security.password();
  }

  /** The testkit's own password, or null: for {@link RedisResharding}'s MIGRATE. Never logged. */
  String adminPassword() {
    return security.adminPassword();
  }

  /** The testkit's own ACL user, or null (the default user). */
  String adminUser() {
    return security.adminUser();
  }

  /** One command on its own connection, authenticated first when the cluster asks for it. */
  private Object call(InetSocketAddress node, String... args) throws IOException {
    String password = security.adminPassword();
    String user = security.adminUser();
    try (Resp r = new Resp(node, 5_000, RedisSecurity.socketFactory(tls))) {
      if (password == null) {
        return r.command(args);
      }
      Object auth = user == null ? r.command("AUTH", password) : r.command("AUTH", user, password);
      if (!"OK".equals(auth)) {
        // The reply names no secret: Redis answers WRONGPASS or an ACL error.
        throw new IOException("AUTH on " + node + " answered " + auth);
      }
      return r.command(args);
    }
  }

  /** The first element of {@code ROLE}: "master" or "slave". */
  private String role(int port) throws IOException {
    Object role = cmd(port, "ROLE");
    return role instanceof List && !((List<?>) role).isEmpty() ? String.valueOf(((List<?>) role).get(0)) : "";
  }
}
