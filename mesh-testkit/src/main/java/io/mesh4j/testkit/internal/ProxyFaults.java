package io.mesh4j.testkit.internal;

/**
 * The faults a fault proxy applies now: an immutable snapshot, replaced as a whole whenever a
 * test changes a fault, and read by the proxy's loop thread at every decision.
 *
 * @param up shaping of the bytes the client sends to the upstream
 * @param down shaping of the bytes the upstream sends back to the client
 * @param blackhole accept connections, read and discard their bytes, never answer, never close
 * @param refuseAccept stop accepting new connections (the listen backlog is kept full)
 * @param halfOpen close the client's read side (FIN) and keep reading what it sends
 * @param partition move no byte either way and accept no connection
 */
public record ProxyFaults(Shaping up, Shaping down, boolean blackhole, boolean refuseAccept,
    boolean halfOpen, boolean partition) {

  /** No fault at all. */
  public static final ProxyFaults NONE = new ProxyFaults(Shaping.NONE, Shaping.NONE, false, false, false, false);

  /** Index of the client-to-upstream direction. */
  public static final int UP = 0;
  /** Index of the upstream-to-client direction. */
  public static final int DOWN = 1;

  /** The shaping of direction {@code dir} ({@link #UP} or {@link #DOWN}). */
  public Shaping shaping(int dir) {
    return dir == UP ? up : down;
  }

  /** This snapshot with direction {@code dir}'s shaping replaced. */
  public ProxyFaults withShaping(int dir, Shaping s) {
    return dir == UP
        ? new ProxyFaults(s, down, blackhole, refuseAccept, halfOpen, partition)
        : new ProxyFaults(up, s, blackhole, refuseAccept, halfOpen, partition);
  }

  /** This snapshot with the black hole on. */
  public ProxyFaults withBlackhole() {
    return new ProxyFaults(up, down, true, refuseAccept, halfOpen, partition);
  }

  /** This snapshot with accepting stopped. */
  public ProxyFaults withRefuseAccept() {
    return new ProxyFaults(up, down, blackhole, true, halfOpen, partition);
  }

  /** This snapshot with half-open closing on. */
  public ProxyFaults withHalfOpen() {
    return new ProxyFaults(up, down, blackhole, refuseAccept, true, partition);
  }

  /** This snapshot with the partition on. */
  public ProxyFaults withPartition() {
    return new ProxyFaults(up, down, blackhole, refuseAccept, halfOpen, true);
  }

  /** True if new connections must not be accepted. */
  public boolean acceptStopped() {
    return refuseAccept || partition;
  }

  /**
   * How one direction's bytes are shaped. Zero means "off" for every field; {@code resetAfterBytes}
   * is negative when off.
   *
   * @param latencyNanos delay added to every chunk
   * @param jitterNanos the delay varies uniformly within plus or minus this
   * @param bytesPerSecond bandwidth limit
   * @param dripBytes at most this many bytes per write
   * @param dripEveryNanos and one such write per this period
   * @param resetAfterBytes reset the connection once this many bytes went through (since set)
   * @param resetEpoch distinguishes successive {@code resetAfter} calls, so each counts afresh
   */
  public record Shaping(long latencyNanos, long jitterNanos, long bytesPerSecond, int dripBytes,
      long dripEveryNanos, long resetAfterBytes, long resetEpoch) {

    /** No shaping. */
    public static final Shaping NONE = new Shaping(0, 0, 0, 0, 0, -1, 0);

    /** With a latency and jitter. */
    public Shaping withLatency(long latency, long jitter) {
      return new Shaping(latency, jitter, bytesPerSecond, dripBytes, dripEveryNanos, resetAfterBytes, resetEpoch);
    }

    /** With a bandwidth limit (0: none). */
    public Shaping withBandwidth(long rate) {
      return new Shaping(latencyNanos, jitterNanos, rate, dripBytes, dripEveryNanos, resetAfterBytes, resetEpoch);
    }

    /** With a drip (0 bytes: none). */
    public Shaping withDrip(int bytes, long everyNanos) {
      return new Shaping(latencyNanos, jitterNanos, bytesPerSecond, bytes, everyNanos, resetAfterBytes, resetEpoch);
    }

    /** With a reset after {@code bytes}, counted from now. */
    public Shaping withResetAfter(long bytes, long epoch) {
      return new Shaping(latencyNanos, jitterNanos, bytesPerSecond, dripBytes, dripEveryNanos, bytes, epoch);
    }

    /** True if bytes can be written as soon as they are read. */
    public boolean passThrough() {
      return latencyNanos == 0 && jitterNanos == 0 && bytesPerSecond == 0 && dripBytes == 0 && resetAfterBytes < 0;
    }
  }
}
