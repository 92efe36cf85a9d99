package io.mesh4j.testkit;

import java.util.function.Supplier;

/**
 * Gives a test class a real Consul agent. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
 * ... CONSUL.agent().baseUrl() ...
 * }</pre>
 *
 * <p>{@link #shared()} uses the JVM-wide agent; {@link #privateInstance()} starts one before the
 * class's tests and closes it after them, for tests that stop or restart the agent.
 * {@link #withAcl()} and {@link #withTls()} are private agents with ACLs (default deny; tokens in
 * {@code agent().acl()}) or with the HTTP API over HTTPS (CA and trust in {@code agent().tls()}).
 * Test methods and constructors may also declare a {@link ConsulAgent} parameter.
 */
public final class ConsulExtension extends ServiceExtension<ConsulAgent> {
  private ConsulExtension(Supplier<ConsulAgent> startPrivate, boolean privateAgent) {
    super(ConsulAgent.class, ConsulAgent::shared, startPrivate, privateAgent);
  }

  /** The JVM-wide shared agent. */
  public static ConsulExtension shared() {
    return new ConsulExtension(ConsulAgent::startPrivate, false);
  }

  /** An agent of this test class's own. */
  public static ConsulExtension privateInstance() {
    return new ConsulExtension(ConsulAgent::startPrivate, true);
  }

  /** An agent of this test class's own with ACLs enabled, default policy deny ({@link ConsulAgent#startWithAcl()}). */
  public static ConsulExtension withAcl() {
    return new ConsulExtension(ConsulAgent::startWithAcl, true);
  }

  /** An agent of this test class's own serving its API over HTTPS only ({@link ConsulAgent#startWithTls()}). */
  public static ConsulExtension withTls() {
    return new ConsulExtension(ConsulAgent::startWithTls, true);
  }

  /**
   * An agent of this test class's own that serves at most {@code limit} HTTP connections per
   * client address ({@link ConsulAgent#startWithHttpConnLimit(int)}).
   */
  public static ConsulExtension withHttpConnLimit(int limit) {
    return new ConsulExtension(() -> ConsulAgent.startWithHttpConnLimit(limit), true);
  }

  /** The agent, started if it was not yet. */
  public ConsulAgent agent() {
    return service();
  }
}
