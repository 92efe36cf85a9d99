package io.mesh4j.cache.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * A Redis failure in words a user can act on: the seed nodes, whether any node ever answered, and
 * the cause found anywhere in the exception's causes and suppressed exceptions (Jedis hides the
 * real one under "No more cluster attempts left"): connection refused, timed out, authentication
 * failed, TLS failed. Never a Jedis class name, never a password (Redis's own error text names
 * neither).
 */
final class FailureCause {
  private static final int MAX_DEPTH = 8;
  /** Found when a node hung up; replaced by words that depend on whether the client spoke TLS. */
  private static final String CLOSED = "connection closed";

  private FailureCause() {}

  /**
   * "{cause} (seed nodes a:1, b:2; never connected)" or "... last answered 3.2 s ago)"; a reply
   * error of the server is given as Redis wrote it (its first line).
   */
  static String describe(JedisException e, JedisClusterConnection connection) {
    return cause(e, connection.usesTls(), connection.neverAnswered()) + " (" + connection.reachability() + ")";
  }

  /**
   * The cause alone, e.g. "connection refused" or "authentication failed (WRONGPASS ...)";
   * {@code tls} says whether the connection speaks TLS and {@code neverAnswered} whether no node
   * ever answered it, for what to check when a node hangs up at once.
   */
  static String cause(Throwable e, boolean tls, boolean neverAnswered) {
    if (e instanceof RedisUnavailableException u && u.why() != null) {
      return u.why();
    }
    Set<String> found = new LinkedHashSet<>();
    String[] serverError = new String[1];
    collect(e, found, serverError, new IdentityHashMap<>(), 0);
    if (found.contains(CLOSED)) {
      found.remove(CLOSED);
      found.add(!neverAnswered ? CLOSED + " by the node"
          : tls ? TlsFailure.CLOSED_DURING_TLS : TlsFailure.CLOSED_PLAIN);
    }
    // The most telling first: a refused password or handshake explains the timeouts that follow it.
    for (String c : new String[] {"permission denied", "authentication failed", "TLS failed", "unknown host",
        "no route to host", "connection refused", "connection closed", "timed out"}) {
      for (String f : found) {
        if (f.startsWith(c)) {
          return f;
        }
      }
    }
    if (serverError[0] != null) {
      return "Redis answered with an error: " + serverError[0];
    }
    if (e instanceof JedisClusterOperationException) {
      return "no cluster node answered within the attempts and time allowed";
    }
    if (e instanceof JedisConnectionException) {
      return "the connection failed";
    }
    return "the command failed";
  }

  private static void collect(Throwable t, Set<String> found, String[] serverError,
      Map<Throwable, Boolean> seen, int depth) {
    if (t == null || depth > MAX_DEPTH || seen.put(t, Boolean.TRUE) != null) {
      return;
    }
    String message = t.getMessage() == null ? "" : t.getMessage();
    String upper = message.toUpperCase(Locale.ROOT);
    if (upper.startsWith("NOPERM")) {
      found.add("permission denied by the Redis ACL (" + firstLine(message) + "): grant the user that command,"
          + " key or channel (ACL SETUSER)");
    } else if (t instanceof JedisAccessControlException || upper.startsWith("NOAUTH")
        || upper.startsWith("WRONGPASS")) {
      found.add("authentication failed (" + firstLine(message) + ")");
    } else if (t instanceof SSLException || t instanceof CertificateException) {
      found.add(TlsFailure.describe(t));
    } else if (upper.startsWith("UNEXPECTED END OF STREAM") || upper.contains("CONNECTION RESET")
        || upper.contains("BROKEN PIPE")) {
      found.add(CLOSED);
    } else if (t instanceof UnknownHostException) {
      found.add("unknown host");
    } else if (t instanceof NoRouteToHostException) {
      found.add("no route to host");
    } else if (t instanceof ConnectException) {
      found.add("connection refused");
    } else if (t instanceof SocketTimeoutException || upper.contains("DEADLINE EXCEEDED")) {
      found.add("timed out");
    } else if (t instanceof JedisDataException && !(t instanceof JedisRedirectionException)
        && serverError[0] == null) {
      serverError[0] = firstLine(message);
    }
    collect(t.getCause(), found, serverError, seen, depth + 1);
    for (Throwable s : t.getSuppressed()) {
      collect(s, found, serverError, seen, depth + 1);
    }
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    String line = nl < 0 ? message : message.substring(0, nl);
    return line.length() > 120 ? line.substring(0, 120) + "..." : line;
  }
}
