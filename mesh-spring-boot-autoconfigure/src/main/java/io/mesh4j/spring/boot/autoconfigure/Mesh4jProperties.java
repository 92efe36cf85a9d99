package io.mesh4j.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code mesh4j.*} properties. Values are checked when the beans are built, by the same
 * builders a plain Java user calls; a bad value stops the start-up with a message naming the
 * property and what it accepts ({@link InvalidMeshPropertyException}).
 */
@ConfigurationProperties("mesh4j")
public class Mesh4jProperties {
  private final Consul consul = new Consul();
  private final Client client = new Client();
  private final Redis redis = new Redis();
  private final Cache cache = new Cache();
  private final Registration registration = new Registration();
  private final Health health = new Health();

  /** Consul discovery. */
  public Consul getConsul() {
    return consul;
  }

  /** Defaults of every service called through the ServiceMeshClient. */
  public Client getClient() {
    return client;
  }

  /** The Redis Cluster behind the caches. */
  public Redis getRedis() {
    return redis;
  }

  /** Cache namespaces and their defaults. */
  public Cache getCache() {
    return cache;
  }

  /** Registration of this application in Consul. */
  public Registration getRegistration() {
    return registration;
  }

  /** The actuator health indicators of the mesh. */
  public Health getHealth() {
    return health;
  }

  /** {@code mesh4j.consul.*}. */
  public static class Consul {
    /** Whether a ConsulDiscovery bean is created (when the application defines no ServiceDiscovery). */
    private boolean enabled = true;
    /** The Consul agent's base URL, http://host:port or https://host:port. */
    private String url = "http://127.0.0.1:8500";
    /** The ACL token sent to Consul; never logged. */
    private String token;
    /** The datacenter to discover services in; default the agent's own. */
    private String datacenter;
    /**
     * The Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) that trusts the agent's HTTPS
     * certificate, for an https:// url with a private CA; default the JVM's CAs.
     */
    private String sslBundle;

    public String getSslBundle() {
      return sslBundle;
    }

    public void setSslBundle(String sslBundle) {
      this.sslBundle = sslBundle;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getUrl() {
      return url;
    }

    public void setUrl(String url) {
      this.url = url;
    }

    public String getToken() {
      return token;
    }

    public void setToken(String token) {
      this.token = token;
    }

    public String getDatacenter() {
      return datacenter;
    }

    public void setDatacenter(String datacenter) {
      this.datacenter = datacenter;
    }
  }

  /**
   * {@code mesh4j.client.*}: the client-wide settings, the load balancer, and per-service
   * overrides under {@code mesh4j.client.services.<name>.*}.
   */
  public static class Client extends MeshClientSettings {
    /** Per-service overrides of the settings above; the keys are service names. */
    private Map<String, MeshClientSettings> services = new LinkedHashMap<>();
    /**
     * On shutdown, after deregistration and the web server's graceful shutdown, how long to wait
     * for the client's calls in flight before it closes.
     */
    private Duration drainTimeout = Duration.ofSeconds(10);

    public Duration getDrainTimeout() {
      return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
    }

    public Map<String, MeshClientSettings> getServices() {
      return services;
    }

    public void setServices(Map<String, MeshClientSettings> services) {
      this.services = services;
    }
  }

  /** {@code mesh4j.redis.*}. */
  public static class Redis {
    /** Seed nodes of the Redis Cluster as host:port; setting them enables the cache beans. */
    private List<String> nodes = new ArrayList<>();
    /** The ACL user (Redis 6+); needs a password. */
    private String user;
    /** The password (of the user, or the default user's); never logged. */
    private String password;
    /** TLS to the nodes. */
    @NestedConfigurationProperty
    private RedisTlsProperties tls = new RedisTlsProperties();

    public RedisTlsProperties getTls() {
      return tls;
    }

    public void setTls(RedisTlsProperties tls) {
      this.tls = tls;
    }

    public List<String> getNodes() {
      return nodes;
    }

    public void setNodes(List<String> nodes) {
      this.nodes = nodes;
    }

    public String getUser() {
      return user;
    }

    public void setUser(String user) {
      this.user = user;
    }

    public String getPassword() {
      return password;
    }

    public void setPassword(String password) {
      this.password = password;
    }
  }

  /** {@code mesh4j.cache.*}: defaults, and one entry per namespace (= Spring cache name). */
  public static class Cache {
    /** The Redis (L2) TTL of a namespace without its own. */
    private Duration ttl = Duration.ofMinutes(10);
    /** Whether namespaces keep a local (Caffeine) L1 in front of Redis. */
    private boolean l1Enabled = true;
    /** The most entries an L1 holds. */
    private long l1Size = 10_000;
    /** How long an entry stays in L1 at most; default the TTL capped at 5 minutes. */
    private Duration l1Ttl;
    /**
     * Whether L1 hits are counted (for the hit ratio in metrics and /actuator/mesh); costs a small
     * share of an L1 hit's few nanoseconds.
     */
    private boolean recordStats = true;
    /** Per namespace settings; the keys are the Spring cache names. */
    private Map<String, Namespace> namespaces = new LinkedHashMap<>();

    public Duration getTtl() {
      return ttl;
    }

    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }

    public boolean isL1Enabled() {
      return l1Enabled;
    }

    public void setL1Enabled(boolean l1Enabled) {
      this.l1Enabled = l1Enabled;
    }

    public long getL1Size() {
      return l1Size;
    }

    public void setL1Size(long l1Size) {
      this.l1Size = l1Size;
    }

    public Duration getL1Ttl() {
      return l1Ttl;
    }

    public void setL1Ttl(Duration l1Ttl) {
      this.l1Ttl = l1Ttl;
    }

    public boolean isRecordStats() {
      return recordStats;
    }

    public void setRecordStats(boolean recordStats) {
      this.recordStats = recordStats;
    }

    public Map<String, Namespace> getNamespaces() {
      return namespaces;
    }

    public void setNamespaces(Map<String, Namespace> namespaces) {
      this.namespaces = namespaces;
    }
  }

  /** {@code mesh4j.cache.namespaces.<name>.*}; unset values fall back to {@code mesh4j.cache.*}. */
  public static class Namespace {
    /**
     * The fully qualified class of the values (stored as JSON bound to that one type); required
     * for a Spring cache.
     */
    private String valueType;
    /** The Redis (L2) TTL. */
    private Duration ttl;
    /** Whether this namespace keeps an L1. */
    private Boolean l1Enabled;
    /** The most entries the L1 holds. */
    private Long l1Size;
    /** How long an entry stays in L1 at most. */
    private Duration l1Ttl;

    public String getValueType() {
      return valueType;
    }

    public void setValueType(String valueType) {
      this.valueType = valueType;
    }

    public Duration getTtl() {
      return ttl;
    }

    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }

    public Boolean getL1Enabled() {
      return l1Enabled;
    }

    public void setL1Enabled(Boolean l1Enabled) {
      this.l1Enabled = l1Enabled;
    }

    public Long getL1Size() {
      return l1Size;
    }

    public void setL1Size(Long l1Size) {
      this.l1Size = l1Size;
    }

    public Duration getL1Ttl() {
      return l1Ttl;
    }

    public void setL1Ttl(Duration l1Ttl) {
      this.l1Ttl = l1Ttl;
    }
  }

  /** {@code mesh4j.registration.*}: this application as an instance in Consul. */
  public static class Registration {
    /** Whether the application registers itself in Consul when it is ready (and deregisters on shutdown). */
    private boolean enabled;
    /** The service name; default spring.application.name. */
    private String serviceName;
    /** The address others call; default this machine's first site-local IPv4 address, else 127.0.0.1. */
    private String host;
    /** The port others call; default the web server's actual port (local.server.port), else server.port. */
    private Integer port;
    /** The TTL of the check the registry keeps passing while the application runs. */
    private Duration checkTtl = Duration.ofSeconds(10);
    /**
     * The kind of check: auto (an HTTP check of the actuator health endpoint when the application
     * has one on its web server's port, else a TTL check), http or ttl.
     */
    private String check = "auto";
    /** The path Consul polls for an HTTP check; default the actuator health endpoint's path. */
    private String healthCheckPath;
    /** How often Consul polls the HTTP check. */
    private Duration checkInterval = Duration.ofSeconds(10);

    public String getCheck() {
      return check;
    }

    public void setCheck(String check) {
      this.check = check;
    }

    public String getHealthCheckPath() {
      return healthCheckPath;
    }

    public void setHealthCheckPath(String healthCheckPath) {
      this.healthCheckPath = healthCheckPath;
    }

    public Duration getCheckInterval() {
      return checkInterval;
    }

    public void setCheckInterval(Duration checkInterval) {
      this.checkInterval = checkInterval;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getServiceName() {
      return serviceName;
    }

    public void setServiceName(String serviceName) {
      this.serviceName = serviceName;
    }

    public String getHost() {
      return host;
    }

    public void setHost(String host) {
      this.host = host;
    }

    public Integer getPort() {
      return port;
    }

    public void setPort(Integer port) {
      this.port = port;
    }

    public Duration getCheckTtl() {
      return checkTtl;
    }

    public void setCheckTtl(Duration checkTtl) {
      this.checkTtl = checkTtl;
    }
  }

  /** {@code mesh4j.health.*}: the actuator health indicators (with spring-boot-actuator). */
  public static class Health {
    /** The Consul watches indicator (meshConsul). */
    private final ConsulHealth consul = new ConsulHealth();
    /** The circuit breakers indicator (meshBreakers). */
    private final BreakerHealth breakers = new BreakerHealth();

    public ConsulHealth getConsul() {
      return consul;
    }

    public BreakerHealth getBreakers() {
      return breakers;
    }
  }

  /** {@code mesh4j.health.consul.*}. */
  public static class ConsulHealth {
    /**
     * How long a watched service's list may go unconfirmed by Consul before the indicator reports
     * stale-status; must exceed the watch's query wait (55s by default: an idle watch is confirmed
     * about once a minute).
     */
    private Duration staleAfter = Duration.ofMinutes(3);
    /** The status reported while a watch is stale: UP, DOWN, OUT_OF_SERVICE or UNKNOWN. */
    private String staleStatus = "OUT_OF_SERVICE";

    public Duration getStaleAfter() {
      return staleAfter;
    }

    public void setStaleAfter(Duration staleAfter) {
      this.staleAfter = staleAfter;
    }

    public String getStaleStatus() {
      return staleStatus;
    }

    public void setStaleStatus(String staleStatus) {
      this.staleStatus = staleStatus;
    }
  }

  /** {@code mesh4j.health.breakers.*}. */
  public static class BreakerHealth {
    /** The status reported while a service's circuit breaker is open: UP, DOWN, OUT_OF_SERVICE or UNKNOWN. */
    private String openStatus = "OUT_OF_SERVICE";

    public String getOpenStatus() {
      return openStatus;
    }

    public void setOpenStatus(String openStatus) {
      this.openStatus = openStatus;
    }
  }
}
