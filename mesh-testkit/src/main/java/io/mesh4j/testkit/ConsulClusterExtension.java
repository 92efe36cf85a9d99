package io.mesh4j.testkit;

import java.util.function.Supplier;

/**
 * Gives a test class a multi-node {@link ConsulCluster} of its own, started before the class's
 * tests and closed after them. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final ConsulClusterExtension CLUSTER = ConsulClusterExtension.threeServers();
 * ... CLUSTER.cluster().clientAgent().baseUrl() ... CLUSTER.cluster().killLeader() ...
 * }</pre>
 *
 * <p>A cluster is four to five processes and takes seconds to form, so one is shared by the tests
 * of a class: a test that kills a server starts it again before it ends. Test methods and
 * constructors may also declare a {@link ConsulCluster} parameter.
 */
public final class ConsulClusterExtension extends ServiceExtension<ConsulCluster> {
  private ConsulClusterExtension(Supplier<ConsulCluster> start) {
    super(ConsulCluster.class, start, start, true);
  }

  /** Three dc1 servers and a client agent ({@link ConsulCluster#startPrivate()}). */
  public static ConsulClusterExtension threeServers() {
    return new ConsulClusterExtension(ConsulCluster::startPrivate);
  }

  /** Three dc1 servers, a client agent, and a dc2 server joined over the WAN. */
  public static ConsulClusterExtension withSecondDatacenter() {
    return new ConsulClusterExtension(() -> ConsulCluster.builder().secondDatacenter(true).start());
  }

  /** The cluster, started if it was not yet. */
  public ConsulCluster cluster() {
    return service();
  }
}
