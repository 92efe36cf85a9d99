package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Multi-key commands on a cluster: keys grouped by hash slot (a multi-key command must stay in one
 * slot), every node's commands sent in one pipeline, all nodes flushed before any reply is read so
 * they work in parallel. A group that fails on the pipeline (MOVED/ASK/TRYAGAIN after a resharding,
 * a node that died) is sent again through the cluster client, which follows redirections.
 *
 * <p>Thread safe: every call borrows its own connections from the pools.
 */
final class SlotPipeline {
  private final JedisClusterConnection connection;

  SlotPipeline(JedisClusterConnection connection) {
    this.connection = connection;
  }

  /**
   * The replies of a multi-key GET. {@code values[i]} is key {@code i}'s raw value (bytes or null),
   * or the {@link JedisException} its group failed with even through the cluster client;
   * {@code order} lists the key indices group by group, {@code failure} is the last group failure.
   */
  record MultiGet(int[] order, Object[] values, JedisException failure) {}

  /** The outcome of a multi-key SET: how many were stored, and the last failure if any. */
  record MultiSet(int stored, JedisException failure) {}

  /**
   * MGET of {@code fullKeys}, one MGET per slot.
   *
   * @throws JedisException if no command could be sent at all (no connection for a slot)
   */
  MultiGet mget(byte[][] fullKeys) {
    Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
    for (int i = 0; i < fullKeys.length; i++) {
      bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(fullKeys[i]), s -> new ArrayList<>()).add(i);
    }
    List<CommandArguments> commands = new ArrayList<>(bySlot.size());
    List<Integer> slots = new ArrayList<>(bySlot.size());
    List<List<Integer>> groups = new ArrayList<>(bySlot.size());
    for (Map.Entry<Integer, List<Integer>> e : bySlot.entrySet()) {
      CommandArguments mget = new CommandArguments(Protocol.Command.MGET);
      for (int i : e.getValue()) {
        mget.add(fullKeys[i]);
      }
      commands.add(mget);
      slots.add(e.getKey());
      groups.add(e.getValue());
    }
    Object[] replies = send(commands, slots);
    int[] order = new int[fullKeys.length];
    Object[] values = new Object[fullKeys.length];
    JedisException failure = null;
    int n = 0;
    for (int g = 0; g < groups.size(); g++) {
      List<Integer> group = groups.get(g);
      Object reply = replies[g];
      if (reply instanceof JedisException) {
        byte[][] groupKeys = new byte[group.size()][];
        for (int j = 0; j < group.size(); j++) {
          groupKeys[j] = fullKeys[group.get(j)];
        }
        try {
          reply = connection.client().mget(groupKeys);
        } catch (JedisException e) {
          failure = e;
          reply = null;
        }
      }
      for (int j = 0; j < group.size(); j++) {
        int i = group.get(j);
        order[n++] = i;
        values[i] = reply == null ? failure : ((List<?>) reply).get(j);
      }
    }
    if (failure == null) {
      connection.answered();
    }
    return new MultiGet(order, values, failure);
  }

  /**
   * SET {@code keys[i]} to {@code values[i]} with a TTL of {@code ttlMillis}, one pipeline per node.
   *
   * @throws JedisException if no command could be sent at all (no connection for a slot)
   */
  MultiSet set(List<byte[]> keys, List<byte[]> values, long ttlMillis) {
    List<CommandArguments> commands = new ArrayList<>(keys.size());
    List<Integer> slots = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      byte[] k = keys.get(i);
      commands.add(new CommandArguments(Protocol.Command.SET).add(k).add(values.get(i)).add("PX")
          .add(ttlMillis));
      slots.add(JedisClusterCRC16.getSlot(k));
    }
    Object[] replies = send(commands, slots);
    int stored = 0;
    JedisException failure = null;
    for (int j = 0; j < replies.length; j++) {
      Object reply = replies[j];
      if (reply instanceof JedisException) {
        try {
          reply = connection.client().set(keys.get(j), values.get(j), SetParams.setParams().px(ttlMillis));
        } catch (JedisException e) {
          failure = e;
          continue;
        }
      }
      if (reply instanceof byte[] ? "OK".equals(new String((byte[]) reply, UTF_8)) : "OK".equals(reply)) {
        stored++;
      }
    }
    return new MultiSet(stored, failure);
  }

  /**
   * UNLINK {@code keys}, all served by the node of {@code c}: one command per slot, pipelined on
   * {@code c}. A slot that moved meanwhile is retried through the cluster client.
   *
   * @return how many keys were deleted
   */
  long unlink(Connection c, List<?> keys) {
    Map<Integer, List<byte[]>> bySlot = new LinkedHashMap<>();
    for (Object k : keys) {
      byte[] key = (byte[]) k;
      bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(key), s -> new ArrayList<>()).add(key);
    }
    List<List<byte[]>> groups = new ArrayList<>(bySlot.values());
    for (List<byte[]> group : groups) {
      CommandArguments unlink = new CommandArguments(Protocol.Command.UNLINK);
      group.forEach(unlink::add);
      c.sendCommand(unlink);
    }
    List<Object> replies = c.getMany(groups.size());
    long deleted = 0;
    for (int g = 0; g < groups.size(); g++) {
      Object r = replies.get(g);
      if (r instanceof Long) {
        deleted += (Long) r;
      } else {
        // A slot moved during the scan: the cluster client follows the redirection.
        deleted += connection.client().unlink(groups.get(g).toArray(new byte[0][]));
      }
    }
    return deleted;
  }

  /**
   * Sends {@code commands[i]} to the master of {@code slots[i]}, every node's commands in one
   * pipeline, all nodes flushed before any reply is read so they work in parallel. Reply {@code i}
   * is the raw reply, or the {@link JedisException} it failed with (a redirection, a dead node).
   */
  private Object[] send(List<CommandArguments> commands, List<Integer> slots) {
    Map<Integer, NodeBatch> bySlot = new LinkedHashMap<>();
    Map<HostAndPort, NodeBatch> byNode = new LinkedHashMap<>();
    Object[] replies = new Object[commands.size()];
    try {
      for (int i = 0; i < commands.size(); i++) {
        int slot = slots.get(i);
        NodeBatch batch = bySlot.get(slot);
        if (batch == null) {
          Connection c = connection.connectionForSlot(slot);
          batch = byNode.get(c.getHostAndPort());
          if (batch == null) {
            batch = new NodeBatch(c);
            byNode.put(c.getHostAndPort(), batch);
          } else {
            c.close();
          }
          bySlot.put(slot, batch);
        }
        batch.indices.add(i);
      }
      for (NodeBatch batch : byNode.values()) {
        try {
          for (int i : batch.indices) {
            batch.connection.sendCommand(commands.get(i));
          }
          batch.connection.getMany(0); // flushes without waiting: the next node starts meanwhile
        } catch (JedisConnectionException e) {
          batch.failure = e;
        }
      }
      for (NodeBatch batch : byNode.values()) {
        if (batch.failure == null) {
          try {
            List<Object> r = batch.connection.getMany(batch.indices.size());
            for (int j = 0; j < r.size(); j++) {
              replies[batch.indices.get(j)] = r.get(j);
            }
            continue;
          } catch (JedisConnectionException e) {
            batch.failure = e;
          }
        }
        for (int i : batch.indices) {
          replies[i] = batch.failure;
        }
      }
      return replies;
    } finally {
      for (NodeBatch batch : byNode.values()) {
        batch.connection.close();
      }
    }
  }

  /** The commands bound for one node, on one borrowed connection. */
  private static final class NodeBatch {
    final Connection connection;
    final List<Integer> indices = new ArrayList<>();
    JedisException failure;

    NodeBatch(Connection connection) {
      this.connection = connection;
    }
  }
}
