package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;
import java.time.Duration;

/**
 * A watch's query failed; the watch keeps serving its last known good list and retries after
 * {@link #retryIn()}. The message never contains the ACL token.
 */
public final class WatchFailedEvent extends MeshEvent {
  /** What kind of failure. */
  public enum Reason {
    /** No HTTP answer: connection refused, reset, timed out. */
    UNREACHABLE,
    /** Consul answered but had no known leader. */
    NO_LEADER,
    /** Consul answered 5xx. */
    SERVER_ERROR,
    /** Consul answered 4xx (an ACL token without the right, a bad datacenter name...). */
    CLIENT_ERROR,
    /** The answer could not be read (malformed body or headers). */
    BAD_RESPONSE
  }

  private final Reason reason;
  private final int status;
  private final String message;
  private final int consecutiveFailures;
  private final Duration retryIn;
  private final int servingInstances;

  /**
   * @param serviceName the watched service
   * @param timestampMillis when it failed, epoch milliseconds
   * @param reason the kind of failure
   * @param status HTTP status, 0 if none
   * @param message what happened, without secrets
   * @param consecutiveFailures failures in a row, from 1
   * @param retryIn delay before the next query
   * @param servingInstances size of the last known good list still served, -1 before the first load
   */
  public WatchFailedEvent(String serviceName, long timestampMillis, Reason reason, int status,
      String message, int consecutiveFailures, Duration retryIn, int servingInstances) {
    super(serviceName, timestampMillis);
    this.reason = reason;
    this.status = status;
    this.message = message;
    this.consecutiveFailures = consecutiveFailures;
    this.retryIn = retryIn;
    this.servingInstances = servingInstances;
  }

  /** The kind of failure. */
  public Reason reason() {
    return reason;
  }

  /** The HTTP status, or 0 when Consul gave no HTTP answer. */
  public int status() {
    return status;
  }

  /** A one-line description; never contains the token. */
  public String message() {
    return message;
  }

  /** How many queries in a row have failed, from 1. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** The backoff before the next query. */
  public Duration retryIn() {
    return retryIn;
  }

  /** Instances still served from the last good answer; -1 if there has been none yet. */
  public int servingInstances() {
    return servingInstances;
  }

  @Override
  public String toString() {
    return "WatchFailedEvent{" + serviceName() + " " + reason + " #" + consecutiveFailures + ": "
        + message + ", retry in " + retryIn + "}";
  }
}
