package io.mesh4j.testkit;

import static io.mesh4j.testkit.RedisReplies.awaitFor;

import io.mesh4j.testkit.internal.Binaries;
import io.mesh4j.testkit.internal.Launcher;
import io.mesh4j.testkit.internal.ProcessRegistry;
import io.mesh4j.testkit.internal.RedisNodes;
import io.mesh4j.testkit.internal.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A real Redis Cluster: six {@code redis-server} processes on free loopback ports, three masters
 * with a replica each, no persistence. {@link #startPrivate()} returns once every node reports
 * {@code cluster_state:ok}, all 16384 slots are covered and every replica's link is up.
 *
 * <p>The slots are assigned and the replicas attached with cluster commands sent directly (no
 * {@code redis-cli}). A test can kill a master and wait for its replica to be promoted
 * ({@link #killMasterAndAwaitFailover}), start the killed node again ({@link #restartNode}), kill
 * client connections ({@link #killClients}), and change the topology: add a master
 * ({@link #addMaster}), move slots ({@link RedisResharding}), remove a master ({@link #removeMaster}).
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
  private final RedisNodes nodes;
  private final RedisTopology topology;
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
    this.nodes = new RedisNodes(launcher, dir, port -> security.nodeArgs(port, tls), RedisSecurity.socketFactory(tls),
        security.adminUser(), security.adminPassword());
    this.topology = new RedisTopology(this, nodes);
    for (int i = 0; i < NODES; i++) {
      nodes.reservePort();
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
    for (int port : nodes.ports()) {
      nodes.start(port);
    }
    topology.setUp(MASTERS, START_TIMEOUT);
  }

  /**
   * Waits until every live node reports {@code cluster_state:ok}, the live masters cover all
   * slots, and every live replica's link to its master is up.
   */
  public void awaitHealthy(Duration timeout) {
    awaitFor("cluster healthy", timeout, topology::isHealthy);
  }

  /**
   * Every node, live or not, as seed addresses: the six it started with, plus those {@link #addMaster
   * added}, minus those {@link #removeMaster removed}.
   */
  public List<InetSocketAddress> seedNodes() {
    List<InetSocketAddress> l = new ArrayList<>();
    for (int p : nodes.ports()) {
      l.add(new InetSocketAddress("127.0.0.1", p));
    }
    return Collections.unmodifiableList(l);
  }

  /** {@code host:port} strings of every node, as {@link #seedNodes()}. */
  public List<String> seedNodeStrings() {
    List<String> l = new ArrayList<>();
    for (int p : nodes.ports()) {
      l.add("127.0.0.1:" + p);
    }
    return Collections.unmodifiableList(l);
  }

  /** The live nodes that are masters now. */
  public List<InetSocketAddress> masterAddresses() {
    List<InetSocketAddress> l = new ArrayList<>();
    for (int port : nodes.livePorts()) {
      try {
        if ("master".equals(nodes.role(port))) {
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
    for (int port : nodes.livePorts()) {
      Object reply;
      try {
        reply = nodes.command(port, "CLUSTER", "SLOTS");
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
   * master that holds a given key or channel. A master without a replica (one from
   * {@link #addMaster}) has nobody to take over: the wait then ends in the timeout.
   *
   * @return {@code victim}
   * @throws IllegalArgumentException if {@code victim} is not a live master of this cluster
   */
  public synchronized InetSocketAddress killMasterAndAwaitFailover(InetSocketAddress victim, Duration timeout) {
    if (!masterAddresses().contains(victim)) {
      throw new IllegalArgumentException("not a live master of this cluster: " + victim
          + "; the masters are " + masterAddresses());
    }
    int masters = masterAddresses().size();
    nodes.process(victim.getPort()).stop(false);
    awaitFor("replica promoted after killing " + victim, timeout, () -> {
      List<InetSocketAddress> now = masterAddresses();
      return now.size() == masters && !now.contains(victim) && topology.isHealthy();
    });
    return victim;
  }

  /**
   * Starts one more {@code redis-server} node, with the same password, ACL users and TLS as the
   * others (TLS material from {@link #tls()} covers it too), introduces it with {@code CLUSTER MEET}
   * from a live node, and waits until every live node knows it and the cluster is healthy. The new
   * master serves no slot: move some to it with {@link RedisResharding}. It appears in
   * {@link #seedNodes()}, {@link #masterAddresses()} and {@link #pids()}, and {@link #close()}
   * stops it.
   *
   * @return the new master's address
   * @throws IllegalArgumentException if {@code timeout} is not positive
   * @throws IllegalStateException if the cluster is closed, or the node did not join within
   *     {@code timeout} (it is then stopped and forgotten again)
   */
  public synchronized InetSocketAddress addMaster(Duration timeout) {
    checkOpen("addMaster");
    return topology.addMaster(RedisTopology.checkTimeout(timeout));
  }

  /**
   * Takes the live master {@code master} out of the cluster: its slots move, keys included, to the
   * other masters, spread evenly ({@link RedisResharding}); its replicas, if any, are re-pointed to
   * the master with the fewest replicas (as {@code redis-cli --cluster del-node} does); every other
   * live node is told {@code CLUSTER FORGET}; its process is stopped; and the call returns when no
   * live node lists it and the cluster is healthy. Afterwards it is gone from {@link #seedNodes()},
   * {@link #masterAddresses()} and {@link #pids()}. A killed node does not hear the FORGET: restart
   * it before, not after (it could otherwise gossip the removed node back once the 60 s FORGET
   * ban ends).
   *
   * @throws IllegalArgumentException if {@code master} is not a live master of this cluster, or
   *     {@code timeout} is not positive
   * @throws IllegalStateException if it is the last master, the cluster is closed, or the removal
   *     did not finish within {@code timeout} (slots not moved yet stay on {@code master}, which
   *     keeps running)
   */
  public synchronized void removeMaster(InetSocketAddress master, Duration timeout) {
    checkOpen("removeMaster");
    if (master == null) {
      throw new NullPointerException("master must not be null: pass one of masterAddresses()");
    }
    topology.removeMaster(master, RedisTopology.checkTimeout(timeout));
  }

  private void checkOpen(String what) {
    if (closed) {
      throw new IllegalStateException(what + " on a closed cluster: start a new one with RedisCluster.startPrivate()");
    }
  }

  /** Starts a killed node again on its port; it rejoins (a killed master comes back as a replica). */
  public synchronized void restartNode(InetSocketAddress node) {
    ServerProcess p = nodes.process(node.getPort());
    if (p == null) {
      throw new IllegalArgumentException("not a node of this cluster: " + node);
    }
    if (p.isAlive()) {
      return;
    }
    nodes.start(node.getPort());
  }

  /**
   * {@code CLIENT KILL <filter...>} on every live node, e.g. {@code killClients("TYPE", "pubsub")};
   * the testkit's own connection is skipped.
   *
   * @return how many connections were killed
   */
  public long killClients(String... filter) {
    long killed = 0;
    for (int port : nodes.livePorts()) {
      String[] args = new String[filter.length + 2];
      args[0] = "CLIENT";
      args[1] = "KILL";
      System.arraycopy(filter, 0, args, 2, filter.length);
      try {
        Object r = nodes.command(port, args);
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
      return nodes.command(node, args);
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
    return nodes.pids();
  }

  /** Stops every node and removes the folder. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    nodes.stopAll();
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

}
