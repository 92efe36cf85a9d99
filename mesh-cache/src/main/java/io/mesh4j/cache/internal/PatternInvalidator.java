package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Deletes the keys that match a pattern on every live master: SCAN is per node in a cluster, so
 * each master is scanned on its own connection and its matches unlinked there, one pipelined UNLINK
 * per slot ({@link SlotPipeline#unlink}). A master that fails does not stop the others.
 *
 * <p>Thread safe.
 */
final class PatternInvalidator {
  private static final int SCAN_COUNT = 500;

  private final JedisClusterConnection connection;
  private final SlotPipeline pipeline;
  private final RedisFailures failures;

  PatternInvalidator(JedisClusterConnection connection, SlotPipeline pipeline, RedisFailures failures) {
    this.connection = connection;
    this.pipeline = pipeline;
    this.failures = failures;
  }

  /** Deletes the keys matching {@code match} (a full-key SCAN pattern): how many were deleted. */
  long invalidate(byte[] match) {
    List<HostAndPort> masters;
    try {
      masters = liveMasters();
    } catch (JedisException e) {
      return failures.failed("invalidate", e, 0L);
    }
    long deleted = 0;
    JedisException failure = null;
    for (HostAndPort master : masters) {
      try {
        deleted += scanAndDelete(master, match);
      } catch (JedisException e) {
        failure = e;
      }
    }
    if (failure != null) {
      failures.failed("invalidate", failure, null);
    }
    return deleted;
  }

  /**
   * The masters that serve slots and are not marked failed, from CLUSTER NODES of the first node
   * that answers (the client's node map also holds replicas and dead nodes).
   */
  private List<HostAndPort> liveMasters() {
    JedisException last = null;
    for (ConnectionPool pool : connection.nodes().values()) {
      try (Connection c = pool.getResource()) {
        Object reply = c.executeCommand(new CommandArguments(Protocol.Command.CLUSTER).add("NODES"));
        String text = reply instanceof byte[] ? new String((byte[]) reply, UTF_8) : String.valueOf(reply);
        return parseMasters(text);
      } catch (JedisException e) {
        last = e;
      }
    }
    throw last != null ? last : new RedisUnavailableException("no cluster node known", "no cluster node known", null);
  }

  /** The addresses of the masters in a CLUSTER NODES reply that serve slots and are not failed. */
  static List<HostAndPort> parseMasters(String clusterNodes) {
    List<HostAndPort> out = new ArrayList<>();
    for (String line : clusterNodes.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 9) {
        continue; // no slots: not serving anything
      }
      List<String> flags = List.of(f[2].split(","));
      if (!flags.contains("master") || flags.contains("fail") || flags.contains("noaddr")) {
        continue;
      }
      String addr = f[1];
      int at = addr.indexOf('@');
      out.add(HostAndPort.from(at < 0 ? addr : addr.substring(0, at)));
    }
    return out;
  }

  private long scanAndDelete(HostAndPort master, byte[] match) {
    ConnectionPool pool = connection.nodes().get(master.toString());
    try (Connection c = pool != null ? pool.getResource() : new Connection(master, connection.clientConfig())) {
      long deleted = 0;
      byte[] cursor = "0".getBytes(UTF_8);
      do {
        List<?> page = (List<?>) c.executeCommand(new CommandArguments(Protocol.Command.SCAN)
            .add(cursor).add("MATCH").add(match).add("COUNT").add(SCAN_COUNT));
        cursor = (byte[]) page.get(0);
        List<?> keys = (List<?>) page.get(1);
        if (!keys.isEmpty()) {
          deleted += pipeline.unlink(c, keys);
        }
      } while (!(cursor.length == 1 && cursor[0] == '0'));
      return deleted;
    }
  }
}
