package io.mesh4j.testkit;

/**
 * Gives a test class a real Redis Cluster. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
 * ... REDIS.cluster().seedNodes() ...
 * }</pre>
 *
 * <p>{@link #shared()} uses the JVM-wide cluster; {@link #privateInstance()} starts one before
 * the class's tests and closes it after them, for tests that kill a master or connections, and
 * {@link #privateInstance(RedisCluster.Builder)} one that asks for AUTH or serves TLS. Test
 * methods and constructors may also declare a {@link RedisCluster} parameter.
 */
public final class RedisClusterExtension extends ServiceExtension<RedisCluster> {
  private RedisClusterExtension(boolean privateCluster) {
    super(RedisCluster.class, RedisCluster::shared, RedisCluster::startPrivate, privateCluster);
  }

  private RedisClusterExtension(RedisCluster.Builder builder) {
    super(RedisCluster.class, RedisCluster::shared, builder::startPrivate, true);
  }

  /** The JVM-wide shared cluster. */
  public static RedisClusterExtension shared() {
    return new RedisClusterExtension(false);
  }

  /** A cluster of this test class's own. */
  public static RedisClusterExtension privateInstance() {
    return new RedisClusterExtension(true);
  }

  /**
   * A cluster of this test class's own whose clients must authenticate, e.g.
   * {@code privateInstance(RedisCluster.builder().aclUser("app", "s3cret"))}.
   */
  public static RedisClusterExtension privateInstance(RedisCluster.Builder builder) {
    if (builder == null) {
      throw new NullPointerException("builder must not be null");
    }
    return new RedisClusterExtension(builder);
  }

  /** The cluster, started if it was not yet. */
  public RedisCluster cluster() {
    return service();
  }
}
