package io.mesh4j.testkit;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves hash slots between the masters of a running {@link RedisCluster}, keys included, the way
 * {@code redis-cli --cluster reshard} does, while clients keep using the cluster: for each slot,
 * the target is marked {@code IMPORTING} and the source {@code MIGRATING} (clients asking the
 * source for a key already moved get {@code ASK}), the keys go over in batches with
 * {@code MIGRATE}, then every master is told the slot's new owner (clients then get
 * {@code MOVED}).
 *
 * <pre>{@code
 * InetSocketAddress[] masters = cluster.masterAddresses().toArray(new InetSocketAddress[0]);
 * int moved = RedisResharding.of(cluster).moveSlots(masters[0], masters[1], 1000);
 * }</pre>
 *
 * <p>A master whose last slot moves away becomes a replica of that slot's new owner, and so do its
 * replicas (Redis's default {@code cluster-allow-replica-migration yes}); to take a master out of
 * the cluster altogether use {@link RedisCluster#removeMaster}.
 *
 * <p>Clusters started with a password or an ACL user are supported ({@code MIGRATE ... AUTH} or
 * {@code AUTH2}). Not thread safe: one resharding at a time per cluster.
 */
public final class RedisResharding {
  private static final int KEYS_PER_MIGRATE = 100;
  private static final int MIGRATE_TIMEOUT_MILLIS = 5_000;

  private final RedisCluster cluster;

  /** Runs one command on a node: the reply, or an unchecked exception if the node cannot be reached. */
  interface Commands {
    Object run(InetSocketAddress node, String... args);
  }

  private RedisResharding(RedisCluster cluster) {
    this.cluster = cluster;
  }

  /** Resharding on {@code cluster}. */
  public static RedisResharding of(RedisCluster cluster) {
    if (cluster == null) {
      throw new NullPointerException("cluster must not be null");
    }
    return new RedisResharding(cluster);
  }

  /**
   * Moves the lowest {@code count} slots that {@code from} serves to {@code to}, one slot at a
   * time, keys included.
   *
   * @return the slots moved (fewer than {@code count} when {@code from} serves fewer)
   * @throws IllegalArgumentException if {@code count} is not positive or the two are the same node
   */
  public List<Integer> moveSlots(InetSocketAddress from, InetSocketAddress to, int count) {
    if (count <= 0) {
      throw new IllegalArgumentException("count must be > 0, was " + count);
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("from and to must be different masters, both were " + from);
    }
    List<Integer> slots = slotsOf(from);
    List<Integer> moved = new ArrayList<>();
    for (int slot : slots) {
      if (moved.size() == count) {
        break;
      }
      moveSlot(slot, from, to);
      moved.add(slot);
    }
    return moved;
  }

  /** Moves {@code slot} from {@code from} (its owner now) to {@code to}, keys included. */
  public void moveSlot(int slot, InetSocketAddress from, InetSocketAddress to) {
    List<InetSocketAddress> others = new ArrayList<>(cluster.masterAddresses());
    others.remove(from);
    others.remove(to);
    moveSlot(slot, from, to, id(from, cluster::command), id(to, cluster::command), others, cluster::command);
  }

  /**
   * Moves {@code slots} (all served by {@code from}) to {@code to} over {@code commands}, which may
   * reuse connections; the masters to tell are {@code others}, fixed for the whole run.
   */
  void moveSlots(List<Integer> slots, InetSocketAddress from, InetSocketAddress to, List<InetSocketAddress> others,
      Commands commands) {
    String fromId = id(from, commands);
    String toId = id(to, commands);
    List<InetSocketAddress> tell = new ArrayList<>(others);
    tell.remove(from);
    tell.remove(to);
    for (int slot : slots) {
      moveSlot(slot, from, to, fromId, toId, tell, commands);
    }
  }

  private void moveSlot(int slot, InetSocketAddress from, InetSocketAddress to, String fromId, String toId,
      List<InetSocketAddress> others, Commands c) {
    String s = Integer.toString(slot);
    ok(c, to, "CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
    ok(c, from, "CLUSTER", "SETSLOT", s, "MIGRATING", toId);
    while (true) {
      Object keys = c.run(from, "CLUSTER", "GETKEYSINSLOT", s, Integer.toString(KEYS_PER_MIGRATE));
      if (!(keys instanceof List) || ((List<?>) keys).isEmpty()) {
        break;
      }
      List<String> args = new ArrayList<>(List.of("MIGRATE", to.getHostString(), Integer.toString(to.getPort()), "",
          "0", Integer.toString(MIGRATE_TIMEOUT_MILLIS), "REPLACE"));
      String password = cluster.adminPassword();
      if (password != null && cluster.adminUser() != null) {
        args.addAll(List.of("AUTH2", cluster.adminUser(), password));
      } else if (password != null) {
        args.addAll(List.of("AUTH", password));
      }
      args.add("KEYS");
      for (Object k : (List<?>) keys) {
        args.add((String) k);
      }
      Object reply = c.run(from, args.toArray(new String[0]));
      if (!"OK".equals(reply) && !"NOKEY".equals(reply)) {
        // The reply is Redis's own error text: it never repeats the AUTH argument.
        throw new IllegalStateException("MIGRATE of slot " + slot + " from " + from + " to " + to + " answered " + reply);
      }
    }
    // The new owner first, then the old one, then every other master (as redis-cli does).
    ok(c, to, "CLUSTER", "SETSLOT", s, "NODE", toId);
    Object fromReply = c.run(from, "CLUSTER", "SETSLOT", s, "NODE", toId);
    // A master whose last slot this was may have heard of the new owner already and turned into its
    // replica (cluster-allow-replica-migration, Redis's default): it refuses SETSLOT, and needs none.
    if (!"OK".equals(fromReply) && !String.valueOf(fromReply).contains("only with masters")) {
      throw new IllegalStateException("CLUSTER SETSLOT " + s + " NODE " + toId + " on " + from + " answered " + fromReply);
    }
    for (InetSocketAddress m : others) {
      ok(c, m, "CLUSTER", "SETSLOT", s, "NODE", toId);
    }
  }

  /** The slots {@code master} serves, lowest first, as {@code CLUSTER SLOTS} on it reports them. */
  public List<Integer> slotsOf(InetSocketAddress master) {
    int[] owners = RedisReplies.slotOwnerPorts(cluster.command(master, "CLUSTER", "SLOTS"));
    List<Integer> slots = new ArrayList<>();
    for (int slot = 0; slot < owners.length; slot++) {
      if (owners[slot] == master.getPort()) {
        slots.add(slot);
      }
    }
    return slots;
  }

  private static String id(InetSocketAddress node, Commands commands) {
    Object id = commands.run(node, "CLUSTER", "MYID");
    if (!(id instanceof String)) {
      throw new IllegalStateException("CLUSTER MYID on " + node + " answered " + id);
    }
    return (String) id;
  }

  private static void ok(Commands commands, InetSocketAddress node, String... args) {
    Object reply = commands.run(node, args);
    if (!"OK".equals(reply)) {
      throw new IllegalStateException(String.join(" ", args) + " on " + node + " answered " + reply);
    }
  }
}
