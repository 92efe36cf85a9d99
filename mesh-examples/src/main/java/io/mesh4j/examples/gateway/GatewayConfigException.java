package io.mesh4j.examples.gateway;

import java.util.List;

/**
 * The gateway's configuration is invalid. The message lists every problem found, each naming
 * where it is ({@code routes[2] 'users': field 'timeout' ...}); secrets never appear in it.
 */
public final class GatewayConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  GatewayConfigException(String source, List<String> problems) {
    super(format(source, problems));
    this.problems = List.copyOf(problems);
  }

  private static String format(String source, List<String> problems) {
    StringBuilder b = new StringBuilder("invalid gateway config");
    if (source != null) {
      b.append(' ').append(source);
    }
    b.append(" (").append(problems.size()).append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      b.append("\n  - ").append(p);
    }
    return b.toString();
  }

  /** Each problem, one line each, in the order found. */
  public List<String> problems() {
    return problems == null ? List.of() : problems;
  }
}
