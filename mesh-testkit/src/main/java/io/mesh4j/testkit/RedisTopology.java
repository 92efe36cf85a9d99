package io.mesh4j.testkit;

import static io.mesh4j.testkit.RedisReplies.awaitFor;
import static io.mesh4j.testkit.RedisReplies.expectOk;
import static io.mesh4j.testkit.RedisReplies.str;
import static io.mesh4j.testkit.internal.RedisNodes.address;

import io.mesh4j.testkit.internal.RedisNodes;
import io.mesh4j.testkit.internal.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a {@link RedisCluster}: the first set-up (slots to the masters, MEET, replicas), the
 * health check, and the changes made later (a master added, a master removed). Each step is made
 * with cluster commands sent directly, as {@code redis-cli --cluster} would send them.
 *
 * <p>Callers serialise the changes (RedisCluster's methods are synchronized).
 */
final class RedisTopology {
  static final int SLOTS = 16384;

  private final RedisCluster cluster;
  private final RedisNodes nodes;

  RedisTopology(RedisCluster cluster, RedisNodes nodes) {
    this.cluster = cluster;
    this.nodes = nodes;
  }

  /** Slots evenly over the first {@code masters} nodes, one replica per master from the others. */
  void setUp(int masters, Duration timeout) {
    List<Integer> ports = nodes.ports();
    awaitPing(ports, timeout);
    try {
      List<String> ids = new ArrayList<>();
      for (int port : ports) {
        ids.add(str(nodes.command(port, "CLUSTER", "MYID")));
      }
      int per = SLOTS / masters;
      for (int m = 0; m < masters; m++) {
        int from = m * per;
        int to = m == masters - 1 ? SLOTS - 1 : (m + 1) * per - 1;
        expectOk(nodes.command(ports.get(m), "CLUSTER", "ADDSLOTSRANGE", String.valueOf(from), String.valueOf(to)));
        // Distinct config epochs, as redis-cli does, so no epoch collision has to be resolved.
        nodes.command(ports.get(m), "CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(m + 1));
      }
      for (int i = 1; i < ports.size(); i++) {
        expectOk(nodes.command(ports.get(0), "CLUSTER", "MEET", "127.0.0.1", String.valueOf(ports.get(i))));
      }
      awaitFor("all nodes know each other", timeout, () -> allKnowEachOther(ports, null));
      for (int r = masters; r < ports.size(); r++) {
        String masterId = ids.get(r - masters);
        int port = ports.get(r);
        awaitFor("replica " + port + " attached", timeout,
            () -> "OK".equals(nodes.command(port, "CLUSTER", "REPLICATE", masterId)));
      }
      awaitFor("cluster healthy", timeout, this::isHealthy);
    } catch (IOException e) {
      throw new UncheckedIOException("redis cluster setup failed", e);
    }
  }

  /**
   * True when every live node reports {@code cluster_state:ok}, the live masters cover all slots,
   * and every live replica's link to its master is up.
   */
  boolean isHealthy() throws IOException {
    List<Integer> live = nodes.livePorts();
    if (live.isEmpty()) {
      return false;
    }
    int covered = 0;
    for (int port : live) {
      String info;
      try {
        info = str(nodes.command(port, "CLUSTER", "INFO"));
      } catch (IOException e) {
        return false;
      }
      if (!info.contains("cluster_state:ok")) {
        return false;
      }
      if ("slave".equals(nodes.role(port)) && !str(nodes.command(port, "INFO", "replication")).contains("master_link_status:up")) {
        return false;
      }
    }
    String text = str(nodes.command(live.get(0), "CLUSTER", "NODES"));
    for (String line : text.split("\n")) {
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

  /** One more master, empty, known to every live node, the cluster healthy: its address. */
  InetSocketAddress addMaster(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Integer> live = nodes.livePorts();
    if (live.isEmpty()) {
      throw new IllegalStateException("no live node to introduce a new master to: restartNode(...) one first");
    }
    int port = nodes.reservePort();
    nodes.start(port);
    InetSocketAddress added = address(port);
    try {
      awaitPing(List.of(port), remaining(deadline, timeout));
      String id = str(nodes.command(port, "CLUSTER", "MYID"));
      expectOk(nodes.command(live.get(0), "CLUSTER", "MEET", "127.0.0.1", String.valueOf(port)));
      List<Integer> all = new ArrayList<>(live);
      all.add(port);
      awaitFor("every node knows the new master " + added, remaining(deadline, timeout), () -> allKnowEachOther(all, id));
      awaitFor("cluster healthy after adding " + added, remaining(deadline, timeout), this::isHealthy);
      return added;
    } catch (IOException | RuntimeException e) {
      // Leave the cluster as it was: forget the half-added node and stop it.
      forgetEverywhere(port, 0);
      nodes.remove(port);
      String why = e instanceof IllegalStateException ? e.getMessage() : e.toString();
      throw new IllegalStateException("adding a master on port " + port + " failed within " + timeout + ": " + why
          + "; the node was stopped and forgotten. Give addMaster a longer timeout, or see its log in "
          + cluster.workDir(), e);
    }
  }

  /**
   * Moves the slots of {@code master} to the other masters (evenly, keys included), re-points its
   * replicas to the master with the fewest replicas, makes every other node forget it, stops it.
   */
  void removeMaster(InetSocketAddress master, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<InetSocketAddress> masters = cluster.masterAddresses();
    if (!masters.contains(master)) {
      throw new IllegalArgumentException("not a live master of this cluster: " + master + "; the masters are "
          + masters + ". Pass one of them (a replica or a killed node cannot be removed with removeMaster)");
    }
    List<InetSocketAddress> others = new ArrayList<>(masters);
    others.remove(master);
    if (others.isEmpty()) {
      throw new IllegalStateException("cannot remove " + master + ": it is the last master and its slots would have"
          + " nowhere to go; addMaster(...) first");
    }
    RedisResharding resharding = RedisResharding.of(cluster);
    List<Integer> slots = resharding.slotsOf(master);
    int moved = 0;
    try (RedisNodes.Session session = nodes.session()) {
      RedisResharding.Commands commands = (node, args) -> {
        try {
          return session.command(node, args);
        } catch (IOException e) {
          throw new UncheckedIOException("command on " + node + " failed", e);
        }
      };
      int n = slots.size();
      for (int i = 0; i < others.size(); i++) {
        List<Integer> share = slots.subList(i * n / others.size(), (i + 1) * n / others.size());
        // Chunks, so that the deadline is checked while the slots move.
        for (int from = 0; from < share.size(); from += 64) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timed out after " + timeout + " removing master " + master + ": " + moved
                + " of its " + n + " slots moved, the rest still on it (the cluster is whole). Call removeMaster"
                + " again with a longer timeout");
          }
          List<Integer> chunk = share.subList(from, Math.min(share.size(), from + 64));
          resharding.moveSlots(chunk, master, others.get(i), others, commands);
          moved += chunk.size();
        }
      }
    }
    String id = str(cluster.command(master, "CLUSTER", "MYID"));
    repointReplicas(master, id, others, deadline, timeout);
    forgetEverywhere(master.getPort(), deadline);
    nodes.remove(master.getPort());
    awaitFor("cluster healthy after removing " + master, remaining(deadline, timeout), () -> {
      for (int port : nodes.livePorts()) {
        if (str(nodes.command(port, "CLUSTER", "NODES")).contains(id)) {
          return false;
        }
      }
      return isHealthy();
    });
  }

  /**
   * The replicas of the master {@code id} (it may have turned replica itself once empty, and its
   * replicas may have followed its last slot already) are told to replicate the master with the
   * fewest replicas, as {@code redis-cli --cluster del-node} does.
   */
  private void repointReplicas(InetSocketAddress master, String id, List<InetSocketAddress> others, long deadline,
      Duration timeout) {
    awaitFor("no node replicates " + master, remaining(deadline, timeout), () -> {
      Map<String, Integer> replicasOf = new LinkedHashMap<>();
      Map<String, String> idOf = new LinkedHashMap<>();
      List<Integer> following = new ArrayList<>();
      for (InetSocketAddress m : others) {
        String mid = str(nodes.command(m.getPort(), "CLUSTER", "MYID"));
        idOf.put(mid, mid);
        replicasOf.put(mid, 0);
      }
      for (String line : str(nodes.command(others.get(0).getPort(), "CLUSTER", "NODES")).split("\n")) {
        String[] f = line.trim().split(" ");
        if (f.length < 4 || f[2].contains("fail") || !f[2].contains("slave")) {
          continue;
        }
        if (replicasOf.containsKey(f[3])) {
          replicasOf.merge(f[3], 1, Integer::sum);
        } else if (f[3].equals(id)) {
          following.add(port(f[1]));
        }
      }
      if (following.isEmpty()) {
        return true;
      }
      for (int replica : following) {
        String target = replicasOf.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        nodes.command(replica, "CLUSTER", "REPLICATE", target);
        replicasOf.merge(target, 1, Integer::sum);
      }
      return false;
    });
  }

  /** CLUSTER FORGET of the node on {@code port} on every other live node (best effort without a deadline). */
  private void forgetEverywhere(int port, long deadline) {
    String id;
    try {
      id = str(nodes.command(port, "CLUSTER", "MYID"));
    } catch (IOException e) {
      if (deadline == 0) {
        return;
      }
      throw new UncheckedIOException("CLUSTER MYID on port " + port + " failed", e);
    }
    for (int other : nodes.livePorts()) {
      if (other == port) {
        continue;
      }
      try {
        Object reply = nodes.command(other, "CLUSTER", "FORGET", id);
        if (!"OK".equals(reply) && deadline != 0 && !String.valueOf(reply).contains("Unknown node")) {
          throw new IllegalStateException("CLUSTER FORGET " + id + " on port " + other + " answered " + reply);
        }
      } catch (IOException e) {
        if (deadline != 0) {
          throw new UncheckedIOException("CLUSTER FORGET on port " + other + " failed", e);
        }
      }
    }
  }

  void awaitPing(List<Integer> ports, Duration timeout) {
    awaitFor("every node answers PING", timeout, () -> {
      for (int port : ports) {
        ServerProcess p = nodes.process(port);
        if (!p.isAlive()) {
          throw new IllegalStateException("redis-server on port " + port + " exited; log:\n" + p.logTail());
        }
        try {
          if (!"PONG".equals(nodes.command(port, "PING"))) {
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
   * Every node in {@code ports} lists at least that many nodes, and {@code mustKnow} (a node id, or
   * null), with no handshake in progress and every address known.
   */
  private boolean allKnowEachOther(List<Integer> ports, String mustKnow) throws IOException {
    for (int port : ports) {
      String text = str(nodes.command(port, "CLUSTER", "NODES"));
      if (text.lines().count() < ports.size() || text.contains("handshake") || text.contains("noaddr")
          || (mustKnow != null && !text.contains(mustKnow))) {
        return false;
      }
    }
    return true;
  }

  private static int port(String address) {
    int at = address.indexOf('@');
    String hostPort = at < 0 ? address : address.substring(0, at);
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /** {@code timeout}, checked: not null, positive. */
  static Duration checkTimeout(Duration timeout) {
    if (timeout == null) {
      throw new NullPointerException("timeout must not be null, e.g. Duration.ofSeconds(30)");
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout + "; e.g. Duration.ofSeconds(30)");
    }
    return timeout;
  }

  private static Duration remaining(long deadline, Duration timeout) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new IllegalStateException("timed out after " + timeout + "; give the call a longer timeout");
    }
    return Duration.ofNanos(left);
  }
}
