package io.mesh4j.resilience;

/**
 * A snapshot of one service's retry budget over its current window (see {@link RetryBudgetConfig}).
 *
 * @param enabled whether the service has a budget; when not, the counts are 0
 * @param calls calls counted in the window
 * @param retries retries taken in the window
 * @param remaining retries the budget would still allow now, 0 when it is spent (the next retry
 *     is refused)
 */
public record RetryBudgetState(boolean enabled, long calls, long retries, long remaining) {
  /** The state of a service without a budget. */
  public static final RetryBudgetState DISABLED = new RetryBudgetState(false, 0, 0, 0);
}
