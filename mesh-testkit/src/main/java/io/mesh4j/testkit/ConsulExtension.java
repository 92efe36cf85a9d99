package io.mesh4j.testkit;

/**
 * Gives a test class a real Consul agent. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
 * ... CONSUL.agent().baseUrl() ...
 * }</pre>
 *
 * <p>{@link #shared()} uses the JVM-wide agent; {@link #privateInstance()} starts one before the
 * class's tests and closes it after them, for tests that stop or restart the agent. Test methods
 * and constructors may also declare a {@link ConsulAgent} parameter.
 */
public final class ConsulExtension extends ServiceExtension<ConsulAgent> {
  private ConsulExtension(boolean privateAgent) {
    super(ConsulAgent.class, ConsulAgent::shared, ConsulAgent::startPrivate, privateAgent);
  }

  /** The JVM-wide shared agent. */
  public static ConsulExtension shared() {
    return new ConsulExtension(false);
  }

  /** An agent of this test class's own. */
  public static ConsulExtension privateInstance() {
    return new ConsulExtension(true);
  }

  /** The agent, started if it was not yet. */
  public ConsulAgent agent() {
    return service();
  }
}
