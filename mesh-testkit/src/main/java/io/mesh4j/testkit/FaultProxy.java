package io.mesh4j.testkit;

import io.mesh4j.testkit.internal.BacklogFiller;
import io.mesh4j.testkit.internal.ProxyFaults;
import io.mesh4j.testkit.internal.ProxyLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A TCP proxy on a free loopback port in front of any upstream (an HTTP backend, a Redis node, a
 * Consul agent), whose faults a test switches on and off at run time: the network faults that hurt
 * in production, on real sockets, without an external binary. Modelled on Toxiproxy's toxics.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start("127.0.0.1", backendPort)) {
 *   client.baseUrl("http://" + proxy.host() + ":" + proxy.port());
 *   proxy.latency(Direction.DOWNSTREAM, Duration.ofMillis(200), Duration.ofMillis(50));
 *   proxy.blackhole();     // the backend now accepts and never answers
 *   proxy.clear();         // healthy again, without a restart
 * }
 * }</pre>
 *
 * <table>
 *   <caption>Faults (Toxiproxy's counterpart in brackets)</caption>
 *   <tr><th>method</th><th>effect</th><th>existing connections</th></tr>
 *   <tr><td>{@link #latency}</td><td>every chunk is held for latency ± jitter (latency)</td><td>yes, also to bytes already waiting</td></tr>
 *   <tr><td>{@link #bandwidth}</td><td>at most n bytes per second (bandwidth)</td><td>yes</td></tr>
 *   <tr><td>{@link #drip}</td><td>n bytes, then a pause, n bytes... (slicer)</td><td>yes</td></tr>
 *   <tr><td>{@link #resetNow}</td><td>TCP RST now; once, not a lasting fault (reset_peer)</td><td>only those</td></tr>
 *   <tr><td>{@link #resetAfter}</td><td>RST once n more bytes went through a connection (limit_data)</td><td>yes</td></tr>
 *   <tr><td>{@link #blackhole}</td><td>accept, read and discard, never answer, never close (timeout 0)</td><td>yes</td></tr>
 *   <tr><td>{@link #refuseAccept}</td><td>stop accepting: new connects hang (down, but hanging not refused)</td><td>no, they go on</td></tr>
 *   <tr><td>{@link #halfOpenClose}</td><td>FIN to the client, keep reading what it sends</td><td>yes</td></tr>
 *   <tr><td>{@link #partition}</td><td>no byte either way, connects hang</td><td>yes, bytes are held, not lost</td></tr>
 * </table>
 *
 * <p>Faults combine (latency with bandwidth, drip with latency, a partition over anything) and
 * stay until {@link #clear()}. Every method returns once the proxy applies the change: a fault is
 * in force when the call returns. One event-loop thread per proxy moves all bytes (Java NIO);
 * nothing sleeps.
 *
 * <p>Only for tests: it listens on 127.0.0.1 only. Thread safe.
 */
public final class FaultProxy implements AutoCloseable {
  /** Which bytes a fault applies to. */
  public enum Direction {
    /** From the client to the upstream (requests). */
    UPSTREAM,
    /** From the upstream back to the client (responses). */
    DOWNSTREAM,
    /** Both ways. */
    BOTH
  }

  private static final Duration FILLER_RELEASE = Duration.ofSeconds(2);
  private final AtomicLong resetEpochs = new AtomicLong();

  private final InetSocketAddress upstream;
  private final ProxyLoop loop;
  private BacklogFiller filler;
  private ProxyFaults faults = ProxyFaults.NONE;
  private boolean closed;

  private FaultProxy(InetSocketAddress upstream, ProxyLoop loop) {
    this.upstream = upstream;
    this.loop = loop;
  }

  /** A proxy to {@code host:port}, listening on a free loopback port, with no fault. */
  public static FaultProxy start(String host, int port) {
    Objects.requireNonNull(host, "host must not be null");
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be 1..65535, was " + port);
    }
    return start(new InetSocketAddress(host, port));
  }

  /** A proxy to {@code upstream}, listening on a free loopback port, with no fault. */
  public static FaultProxy start(InetSocketAddress upstream) {
    Objects.requireNonNull(upstream, "upstream must not be null");
    InetSocketAddress resolved = upstream.isUnresolved()
        ? new InetSocketAddress(upstream.getHostString(), upstream.getPort()) : upstream;
    if (resolved.isUnresolved()) {
      throw new IllegalArgumentException("upstream host '" + upstream.getHostString()
          + "' does not resolve; give an IP address such as 127.0.0.1");
    }
    try {
      return new FaultProxy(resolved, ProxyLoop.start(resolved));
    } catch (IOException e) {
      throw new UncheckedIOException("could not start a fault proxy to " + resolved, e);
    }
  }

  /** The host clients connect to: {@code 127.0.0.1}. */
  public String host() {
    return loop.address().getAddress().getHostAddress();
  }

  /** The port clients connect to. */
  public int port() {
    return loop.address().getPort();
  }

  /** The address clients connect to. */
  public InetSocketAddress address() {
    return loop.address();
  }

  /** {@code host:port} of the proxy, as clients write it. */
  public String hostAndPort() {
    return host() + ":" + port();
  }

  /** The address the proxy forwards to. */
  public InetSocketAddress upstream() {
    return upstream;
  }

  /**
   * Holds every chunk in direction {@code d} for {@code latency}, give or take a uniformly random
   * {@code jitter}, never reordering bytes. Zero removes it.
   */
  public FaultProxy latency(Direction d, Duration latency, Duration jitter) {
    long l = nonNegative(latency, "latency");
    long j = nonNegative(jitter, "jitter");
    return shape(d, s -> s.withLatency(l, j));
  }

  /** Limits direction {@code d} to {@code bytesPerSecond} (a 20 ms burst at most). Zero removes it. */
  public FaultProxy bandwidth(Direction d, long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must be >= 0 (0 removes the limit), was " + bytesPerSecond);
    }
    return shape(d, s -> s.withBandwidth(bytesPerSecond));
  }

  /**
   * A slow drip: direction {@code d} lets out at most {@code bytes} bytes, then waits
   * {@code every}, and so on (Toxiproxy's slicer with a delay). {@code bytes} 0 removes it.
   */
  public FaultProxy drip(Direction d, int bytes, Duration every) {
    if (bytes < 0) {
      throw new IllegalArgumentException("drip bytes must be >= 0 (0 removes the drip), was " + bytes);
    }
    long e = nonNegative(every, "every");
    if (bytes > 0 && e == 0) {
      throw new IllegalArgumentException("drip every must be > 0 when bytes > 0; use bandwidth() for a rate");
    }
    return shape(d, s -> s.withDrip(bytes, e));
  }

  /**
   * Resets (TCP RST, {@code SO_LINGER 0}) every connection open now, both the client's and the
   * upstream socket. Once: new connections are proxied normally.
   */
  public FaultProxy resetNow() {
    checkOpen();
    loop.resetAll();
    return this;
  }

  /**
   * Resets every connection, existing and new, once {@code bytes} more bytes went through it in
   * direction {@code d} (counted per connection from this call or the connection's start). The
   * bytes before are delivered in full. For {@link Direction#BOTH}, each direction counts alone.
   */
  public FaultProxy resetAfter(Direction d, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("resetAfter bytes must be >= 0, was " + bytes);
    }
    long epoch = resetEpochs.incrementAndGet();
    return shape(d, s -> s.withResetAfter(bytes, epoch));
  }

  /**
   * A black hole: connections are accepted, their bytes read and discarded; nothing is answered
   * and nothing is closed, so a client waits until its own timeout. Open connections fall in too.
   * New connections never reach the upstream. After {@link #clear()}, connections caught in the
   * black hole are reset (their byte stream is broken); new ones are proxied normally.
   */
  public synchronized FaultProxy blackhole() {
    return apply(faults.withBlackhole());
  }

  /**
   * Stops accepting: the proxy no longer calls {@code accept()} and fills its own listen backlog
   * with idle connections, so the kernel drops new SYNs and a client's connect hangs until its
   * connect timeout, as with a host that silently drops packets. Connections that completed their
   * handshake before the backlog filled wait in it unanswered until {@link #clear()}. Open
   * connections go on working. Returns once connects hang (after a probe of about 1 s).
   */
  public synchronized FaultProxy refuseAccept() {
    apply(faults.withRefuseAccept());
    fillBacklog();
    return this;
  }

  /**
   * A half-open close: the client gets a FIN (its reads see end of stream) while the proxy keeps
   * reading what it sends and forwards it upstream; the upstream's answers are discarded. Applies
   * to open connections and to new ones, which get their FIN right after the connect.
   */
  public synchronized FaultProxy halfOpenClose() {
    return apply(faults.withHalfOpen());
  }

  /**
   * A network partition: no byte moves either way on any connection and new connects hang (see
   * {@link #refuseAccept()}). Bytes in flight are held, not lost, as TCP would retransmit them:
   * after {@link #clear()}, open connections carry on where they stopped, unless the client gave
   * up meanwhile. Returns once connects hang.
   */
  public synchronized FaultProxy partition() {
    apply(faults.withPartition());
    fillBacklog();
    return this;
  }

  /**
   * Removes every fault without a restart. New connections are proxied normally, waiting bytes
   * flow, connections caught in a black hole are reset.
   */
  public synchronized FaultProxy clear() {
    checkOpen();
    faults = ProxyFaults.NONE;
    loop.clear();
    if (filler != null) {
      filler.release(FILLER_RELEASE);
      filler = null;
    }
    return this;
  }

  /** Client connections accepted since start. */
  public long connections() {
    return loop.counters().accepted();
  }

  /** Client connections open now. */
  public int openConnections() {
    return loop.counters().open();
  }

  /** Bytes delivered in direction {@code d} since start (for {@link Direction#BOTH}, the sum). */
  public long bytes(Direction d) {
    Objects.requireNonNull(d, "direction must not be null");
    return switch (d) {
      case UPSTREAM -> loop.counters().bytes(ProxyFaults.UP);
      case DOWNSTREAM -> loop.counters().bytes(ProxyFaults.DOWN);
      case BOTH -> loop.counters().bytes(ProxyFaults.UP) + loop.counters().bytes(ProxyFaults.DOWN);
    };
  }

  /** Stops the proxy: every open connection is reset and the port closed. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.close();
    if (filler != null) {
      filler.close();
      filler = null;
    }
  }

  @Override
  public String toString() {
    return "FaultProxy{" + hostAndPort() + " -> " + upstream.getHostString() + ":" + upstream.getPort() + "}";
  }

  private synchronized FaultProxy shape(Direction d, UnaryOperator<ProxyFaults.Shaping> change) {
    Objects.requireNonNull(d, "direction must not be null");
    ProxyFaults f = faults;
    if (d != Direction.DOWNSTREAM) {
      f = f.withShaping(ProxyFaults.UP, change.apply(f.up()));
    }
    if (d != Direction.UPSTREAM) {
      f = f.withShaping(ProxyFaults.DOWN, change.apply(f.down()));
    }
    return apply(f);
  }

  private FaultProxy apply(ProxyFaults f) {
    checkOpen();
    faults = f;
    loop.update(f);
    return this;
  }

  private void fillBacklog() {
    if (filler == null) {
      filler = BacklogFiller.fill(loop);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this fault proxy (" + hostAndPort() + ") is closed");
    }
  }

  private static long nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name + " must not be null");
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + d);
    }
    return d.toNanos();
  }
}
