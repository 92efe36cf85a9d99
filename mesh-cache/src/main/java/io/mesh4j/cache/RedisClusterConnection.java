package io.mesh4j.cache;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.internal.JedisClusterConnection;
import io.mesh4j.cache.internal.RedisTlsSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;

/**
 * A connection to one Redis Cluster (a pool per node and the slot map), shareable by any number of
 * caches. Caches built on it do not close it; its creator does.
 *
 * <p>Make one with {@link #builder()}, or wrap a Jedis client you already have with
 * {@link io.mesh4j.cache.spi.JedisClusterAdapter}. The connection is opened lazily: building it never
 * fails because Redis is down; the first commands do, and are retried at most once per second.
 * Thread safe.
 *
 * <p>TLS: {@code rediss://} seeds or {@link Builder#tls()} use the JVM's trusted CAs;
 * {@link Builder#tlsTrustStore} trusts your CA instead, {@link Builder#tlsKeyStore} presents a client
 * certificate ({@code tls-auth-clients yes}), {@link Builder#tlsContext} takes a whole
 * {@link SSLContext}. The nodes' certificates must name the host connected to (the addresses the
 * cluster announces, usually IPs) unless {@link Builder#dangerouslyDisableTlsHostnameVerification()}.
 */
public interface RedisClusterConnection extends AutoCloseable {
  /** A builder for a connection from seed nodes. */
  static Builder builder() {
    return new Builder();
  }

  /** The seed nodes this connection was built from (possibly just one node of the cluster). */
  List<InetSocketAddress> seedNodes();

  /** Closes the pools and the cluster client, if this connection owns them. Idempotent. */
  @Override
  void close();

  /**
   * Builds a {@link RedisClusterConnection}. Every setting is checked when set or at
   * {@link #build()}, with a message naming it.
   */
  final class Builder {
    /** The default of {@link #operationTimeout}: 500 ms. */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofMillis(500);

    private final List<InetSocketAddress> seeds = new ArrayList<>();
    private Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;
    // Unset (null): the operation timeout.
    private Duration connectTimeout;
    private Duration socketTimeout;
    private int maxAttempts = 3;
    private Duration maxTotalRetriesDuration;
    private int maxConnectionsPerNode = 16;
    private String user;
    private String password;
    private String clientName = "mesh4j-cache";
    private boolean tls;
    // The first seed given as redis:// and as rediss://, for the check that they agree; null if none.
    private String plainUriSeed;
    private String tlsUriSeed;
    private Path trustStore;
    private String trustStorePassword;
    private String trustStoreType;
    private Path keyStore;
    private String keyStorePassword;
    private String keyStoreType;
    private SSLContext tlsContext;
    private boolean hostnameVerification = true;

    private Builder() {}

    /**
     * Seed nodes as {@code host:port}, {@code redis://host:port} or {@code rediss://host:port} (TLS,
     * as {@link #tls()}) strings; one reachable node is enough. Credentials in the URI are refused
     * with the fix.
     */
    public Builder seedNodes(String... hostPorts) {
      Checks.notNull(hostPorts, "seedNodes");
      List<InetSocketAddress> parsed = new ArrayList<>();
      for (int i = 0; i < hostPorts.length; i++) {
        parsed.add(parse(hostPorts[i], "seedNodes[" + i + "]", true));
      }
      for (String h : hostPorts) {
        String lower = h.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("rediss://")) {
          tls = true;
          tlsUriSeed = tlsUriSeed == null ? "seedNodes '" + h.trim() + "'" : tlsUriSeed;
        } else if (lower.startsWith("redis://")) {
          plainUriSeed = plainUriSeed == null ? "seedNodes '" + h.trim() + "'" : plainUriSeed;
        }
      }
      seeds.addAll(parsed);
      return this;
    }

    /**
     * Connects to every node over TLS, trusting the CAs this JVM trusts (a managed Redis with a public
     * certificate); {@link #tlsTrustStore} trusts your own CA instead.
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /**
     * TLS, trusting the CA certificates in a {@code PKCS12} trust store (the password is never logged).
     *
     * @see #tlsTrustStore(Path, String, String)
     */
    public Builder tlsTrustStore(Path path, String password) {
      return tlsTrustStore(path, password, "PKCS12");
    }

    /**
     * TLS, trusting the CA certificates in the trust store at {@code path} of type {@code type}
     * ({@code PKCS12} or {@code JKS}); the file is read and checked by {@link #build()}.
     */
    public Builder tlsTrustStore(Path path, String password, String type) {
      this.trustStore = Checks.notNull(path, "tlsTrustStore");
      this.trustStorePassword = Checks.notNull(password, "tlsTrustStore password");
      this.trustStoreType = Checks.notBlank(type, "tlsTrustStore type");
      this.tls = true;
      return this;
    }

    /** TLS with a client certificate: a {@code PKCS12} key store holding it and its key. */
    public Builder tlsKeyStore(Path path, String password) {
      return tlsKeyStore(path, password, "PKCS12");
    }

    /**
     * TLS with a client certificate, for nodes that require one ({@code tls-auth-clients yes}): the
     * key store at {@code path} holds the certificate and its key, both under {@code password}.
     */
    public Builder tlsKeyStore(Path path, String password, String type) {
      this.keyStore = Checks.notNull(path, "tlsKeyStore");
      this.keyStorePassword = Checks.notNull(password, "tlsKeyStore password");
      this.keyStoreType = Checks.notBlank(type, "tlsKeyStore type");
      this.tls = true;
      return this;
    }

    /**
     * TLS with a context of your own (trust, client certificate, protocols), instead of
     * {@link #tlsTrustStore} and {@link #tlsKeyStore}. Hostname verification still applies.
     */
    public Builder tlsContext(SSLContext context) {
      this.tlsContext = Checks.notNull(context, "tlsContext");
      this.tls = true;
      return this;
    }

    /**
     * Accepts a node certificate that does not name the host connected to. Any holder of a
     * certificate from a CA you trust can then pose as your Redis: only for a CA that signs nothing
     * but these nodes, and only when their certificates cannot name the addresses the cluster
     * announces.
     */
    public Builder dangerouslyDisableTlsHostnameVerification() {
      this.hostnameVerification = false;
      return this;
    }

    /** Seed nodes as addresses; one reachable node is enough. */
    public Builder seedNodes(Collection<InetSocketAddress> addresses) {
      Checks.notNull(addresses, "seedNodes");
      int i = 0;
      for (InetSocketAddress a : addresses) {
        Checks.notNull(a, "seedNodes[" + i++ + "]");
      }
      seeds.addAll(addresses);
      return this;
    }

    /**
     * The longest one cache operation waits for Redis, its retries and redirections included
     * (default {@link #DEFAULT_OPERATION_TIMEOUT 500 ms}). A master failover or Redis being down then
     * costs a caller about this much before the operation becomes a miss, a dropped write or (in
     * strict mode) a {@link CacheException}. It sets the defaults of {@link #connectTimeout},
     * {@link #socketTimeout} and {@link #maxTotalRetriesDuration}, which must not exceed it, and the
     * longest wait for a pooled connection. Blocking pops wait their own timeout on top.
     */
    public Builder operationTimeout(Duration timeout) {
      Checks.positive(timeout, "operationTimeout");
      Checks.argument(timeout.toMillis() >= 1, "operationTimeout must be at least 1ms, was %s", timeout);
      this.operationTimeout = timeout;
      return this;
    }

    /**
     * How long to wait for a TCP connection to a node (default: half the operation timeout; at most
     * the operation timeout).
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Checks.positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * How long to wait for a reply (default: half the operation timeout, since a node that stops
     * answering costs a read and then the handshake of the pool's replacement connection; at most
     * the operation timeout). Blocking pops wait longer by themselves.
     */
    public Builder socketTimeout(Duration timeout) {
      this.socketTimeout = Checks.positive(timeout, "socketTimeout");
      return this;
    }

    /** Attempts per command across redirections and reconnections (default 3). */
    public Builder maxAttempts(int attempts) {
      Checks.inRange(attempts, 1, 100, "maxAttempts");
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The time budget of one command's retries (default: four fifths of the operation timeout, so
     * that an attempt that times out on the socket timeout is the last).
     */
    public Builder maxTotalRetriesDuration(Duration duration) {
      this.maxTotalRetriesDuration = Checks.positive(duration, "maxTotalRetriesDuration");
      return this;
    }

    /** Pooled connections per node (default 16). */
    public Builder maxConnectionsPerNode(int max) {
      Checks.inRange(max, 1, 10_000, "maxConnectionsPerNode");
      this.maxConnectionsPerNode = max;
      return this;
    }

    /** ACL user and password (never logged). */
    public Builder credentials(String user, String password) {
      this.user = Checks.notBlank(user, "user");
      this.password = Checks.notNull(password, "password");
      return this;
    }

    /** The password of the {@code default} user (never logged). */
    public Builder password(String password) {
      this.user = null;
      this.password = Checks.notNull(password, "password");
      return this;
    }

    /** The CLIENT SETNAME of every connection (default {@code mesh4j-cache}). */
    public Builder clientName(String name) {
      Checks.notBlank(name, "clientName");
      Checks.argument(name.chars().noneMatch(Character::isWhitespace),
          "clientName must not contain white space, was '%s'", name);
      this.clientName = name;
      return this;
    }

    /**
     * The connection.
     *
     * @throws IllegalArgumentException if no seed node was given, or a timeout exceeds the operation
     *     timeout
     */
    public RedisClusterConnection build() {
      Checks.argument(!seeds.isEmpty(), "seedNodes must name at least one node");
      RedisTlsSettings tlsSettings = tlsSettings();
      // A hung node costs two socket timeouts in one attempt: the read, then the pool replacing the
      // broken connection at once (commons-pool2 2.13 refills on invalidate: a new handshake). Half
      // the operation timeout each keeps the attempt within it; Jedis checks its retry deadline
      // after each attempt, and a deadline before the attempt's end leaves no second one.
      Duration half = operationTimeout.dividedBy(2);
      return JedisClusterConnection.create(List.copyOf(seeds), operationTimeout,
          connectTimeout != null ? withinOperationTimeout(connectTimeout, "connectTimeout") : half,
          socketTimeout != null ? withinOperationTimeout(socketTimeout, "socketTimeout") : half, maxAttempts,
          maxTotalRetriesDuration != null ? withinOperationTimeout(maxTotalRetriesDuration, "maxTotalRetriesDuration")
              : operationTimeout.multipliedBy(4).dividedBy(5), maxConnectionsPerNode,
          user, password, clientName, tlsSettings);
    }

    private RedisTlsSettings tlsSettings() {
      Checks.argument(!(tls && plainUriSeed != null), "%s asks for plain text while TLS is on (%s): write rediss://"
          + " or host:port", plainUriSeed, tlsUriSeed != null ? tlsUriSeed : "tls settings given");
      if (!tls) {
        Checks.argument(hostnameVerification, "dangerouslyDisableTlsHostnameVerification() needs TLS, which is off:"
            + " enable it with tls(), tlsTrustStore(...) or rediss:// seeds, or drop the call");
        return null;
      }
      if (tlsContext != null) {
        Checks.argument(trustStore == null && keyStore == null, "tlsContext replaces tlsTrustStore and tlsKeyStore:"
            + " give either the context or the stores, not both");
        return RedisTlsSettings.fromContext(tlsContext, hostnameVerification);
      }
      return RedisTlsSettings.fromStores(trustStore, chars(trustStorePassword), trustStoreType, keyStore,
          chars(keyStorePassword), keyStoreType, hostnameVerification);
    }

    private static char[] chars(String password) {
      return password == null ? null : password.toCharArray();
    }

    private Duration withinOperationTimeout(Duration value, String name) {
      if (value == null) {
        return operationTimeout;
      }
      Checks.argument(value.compareTo(operationTimeout) <= 0,
          "%s must not exceed operationTimeout (%s), was %s: one attempt could outlast the bound on a cache"
              + " operation; lower %s or raise operationTimeout", name, operationTimeout, value, name);
      return value;
    }

    static InetSocketAddress parse(String given, String name) {
      return parse(given, name, false);
    }

    private static InetSocketAddress parse(String given, String name, boolean tlsAllowed) {
      Checks.notBlank(given, name);
      String hostPort = given.trim();
      int scheme = hostPort.indexOf("://");
      if (scheme >= 0) {
        String s = hostPort.substring(0, scheme).toLowerCase(java.util.Locale.ROOT);
        String rest = hostPort.substring(scheme + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        int at = authority.lastIndexOf('@');
        String shown = s + "://" + (at >= 0 ? authority.substring(at + 1) : authority);
        Checks.argument(tlsAllowed || !s.equals("rediss"), "%s: TLS to Redis (rediss://) needs a connection of its"
            + " own, was '%s': build it with RedisClusterConnection.builder().seedNodes(\"%s\") (and a trust store)"
            + " and pass it to connection(...)", name, shown, shown);
        Checks.argument(s.equals("redis") || s.equals("rediss"), "%s must be host:port or redis://host:port, was '%s'",
            name, shown);
        Checks.argument(at < 0, "%s must not carry credentials, was '%s': use credentials(user, password) or "
            + "password(...)", name, shown);
        Checks.argument(slash < 0 || rest.substring(slash).matches("/?\\d*"),
            "%s must be host:port or redis://host:port (a database number means nothing to a cluster), was '%s'",
            name, shown);
        hostPort = authority;
      }
      int colon = hostPort.lastIndexOf(':');
      Checks.argument(colon > 0 && colon < hostPort.length() - 1,
          "%s must be host:port or redis://host:port, was '%s'", name, hostPort);
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be host:port or redis://host:port, was '" + hostPort + "'", e);
      }
      Checks.argument(port > 0 && port < 65536, "%s port must be 1..65535, was %d", name, port);
      return InetSocketAddress.createUnresolved(host, port);
    }
  }
}
