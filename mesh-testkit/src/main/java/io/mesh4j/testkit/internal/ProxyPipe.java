package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One direction of a proxied connection: bytes read from {@code source} wait in a queue until the
 * faults let them out to {@code sink}. Latency is applied when a chunk reaches the head of the
 * queue, from the faults in force then, so a changed or removed latency also applies to bytes
 * already waiting, and the order of bytes never changes. Used by the loop thread only.
 */
final class ProxyPipe {
  /** Stop reading the source while this many bytes wait, so a slow sink slows the source down. */
  static final int MAX_QUEUED = 1 << 20;

  private final ProxyLink link;
  final int dir;
  SocketChannel source;
  SocketChannel sink;
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  private long queued;
  /** Bytes written to the sink on this connection. */
  long forwarded;
  boolean sourceEof;
  boolean outputShut;
  /** The sink's socket buffer was full: wait for OP_WRITE. */
  boolean blocked;
  /** A timer of the loop is due at this time for this pipe (0: none). */
  long timerAt;

  private long rate;
  private double tokens;
  private long refilledAt;
  private long nextDripAt;
  private long limitEpoch = -1;
  private long limitBase;

  ProxyPipe(ProxyLink link, int dir) {
    this.link = link;
    this.dir = dir;
  }

  private static final class Chunk {
    final ByteBuffer bytes;
    final long readAt;
    final double jitter;

    Chunk(ByteBuffer bytes, long readAt, double jitter) {
      this.bytes = bytes;
      this.readAt = readAt;
      this.jitter = jitter;
    }
  }

  /** True if the loop should watch the source for bytes now. */
  boolean wantsRead(ProxyFaults f) {
    return source != null && !sourceEof && !f.partition() && (discarding() || queued < MAX_QUEUED);
  }

  /** True if bytes read now are thrown away (black hole; or the client's side of a half-open close). */
  boolean discarding() {
    return link.discarding || (dir == ProxyFaults.DOWN && link.halfClosed);
  }

  /** Drops what waits (the connection went into a black hole). */
  void discardQueue() {
    queue.clear();
    queued = 0;
  }

  /**
   * Reads what the source has, into the queue (or the bin).
   *
   * @return false at end of stream
   */
  boolean read(ByteBuffer scratch, long now, double jitterU) throws IOException {
    scratch.clear();
    if (!discarding()) {
      scratch.limit((int) Math.min(scratch.capacity(), MAX_QUEUED - queued));
    }
    int n = source.read(scratch);
    if (n < 0) {
      sourceEof = true;
      return false;
    }
    if (n > 0 && !discarding()) {
      scratch.flip();
      ByteBuffer copy = ByteBuffer.allocate(n);
      copy.put(scratch).flip();
      queue.add(new Chunk(copy, now, jitterU));
      queued += n;
    }
    return true;
  }

  /**
   * Writes what the faults let out now.
   *
   * @return the time at which to try again (0: nothing to wait for), or -1 if the connection must
   *     be reset now
   */
  long flush(ProxyFaults f, long now, ProxyCounters counters) throws IOException {
    if (f.partition() || sink == null || discarding() || blocked) {
      return 0;
    }
    ProxyFaults.Shaping s = f.shaping(dir);
    if (s.resetAfterBytes() >= 0 && s.resetEpoch() != limitEpoch) {
      limitEpoch = s.resetEpoch();
      limitBase = forwarded;
    }
    if (s.bytesPerSecond() != rate) {
      rate = s.bytesPerSecond();
      tokens = 0;
      refilledAt = now;
    }
    while (!queue.isEmpty()) {
      Chunk head = queue.peek();
      long due = head.readAt + Math.max(0, s.latencyNanos() + (long) (head.jitter * s.jitterNanos()));
      if (due - now > 0) {
        return due;
      }
      int allowance = head.bytes.remaining();
      if (rate > 0) {
        double burst = Math.max(1, rate / 50.0);
        tokens = Math.min(burst, tokens + (now - refilledAt) * (rate / 1e9));
        refilledAt = now;
        if (tokens < 1) {
          double want = Math.min(burst, allowance);
          return now + Math.max(1, (long) Math.ceil((want - tokens) * 1e9 / rate));
        }
        allowance = (int) Math.min(allowance, (long) tokens);
      }
      if (s.dripBytes() > 0) {
        if (nextDripAt - now > 0) {
          return nextDripAt;
        }
        allowance = Math.min(allowance, s.dripBytes());
      }
      if (s.resetAfterBytes() >= 0) {
        long left = s.resetAfterBytes() - (forwarded - limitBase);
        if (left <= 0) {
          return -1;
        }
        allowance = (int) Math.min(allowance, left);
      }
      ByteBuffer b = head.bytes;
      int limit = b.limit();
      b.limit(b.position() + allowance);
      int n;
      try {
        n = sink.write(b);
      } finally {
        b.limit(limit);
      }
      forwarded += n;
      queued -= n;
      counters.add(dir, n);
      if (rate > 0) {
        tokens -= n;
      }
      if (s.dripBytes() > 0 && n > 0) {
        nextDripAt = now + s.dripEveryNanos();
      }
      if (s.resetAfterBytes() >= 0 && forwarded - limitBase >= s.resetAfterBytes()) {
        return -1;
      }
      if (n < allowance) {
        blocked = true;
        return 0;
      }
      if (!b.hasRemaining()) {
        queue.poll();
      }
    }
    if (sourceEof && !outputShut) {
      outputShut = true;
      sink.shutdownOutput();
    }
    return 0;
  }
}
