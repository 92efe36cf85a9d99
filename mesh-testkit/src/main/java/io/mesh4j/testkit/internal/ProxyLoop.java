package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop of one fault proxy: one thread, one selector, every connection non-blocking.
 * Control calls from tests run on the loop thread as tasks and return once applied, so a fault is
 * in force when the call returns. Timers (latency, bandwidth, drip) wake the selector at the
 * earliest due time; nothing sleeps.
 */
public final class ProxyLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyLoop.class);
  /** The listen backlog; {@link BacklogFiller} fills exactly this many slots (plus one). */
  static final int BACKLOG = 50;
  private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(10);

  private final InetSocketAddress upstream;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final SelectionKey serverKey;
  private final InetSocketAddress address;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.at - b.at, 0));
  private final Set<ProxyLink> links = new HashSet<>();
  private final Set<Integer> fillerPorts = ConcurrentHashMap.newKeySet();
  private final ProxyCounters counters = new ProxyCounters();
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
  private final SplittableRandom random = new SplittableRandom();
  private volatile ProxyFaults faults = ProxyFaults.NONE;
  private volatile boolean running = true;

  private record Timer(long at, ProxyLink link, ProxyPipe pipe) {}

  private ProxyLoop(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    this.selector = Selector.open();
    ServerSocketChannel s = null;
    IOException last = null;
    for (int tries = 0; tries < 20 && s == null; tries++) {
      ServerSocketChannel candidate = ServerSocketChannel.open();
      try {
        candidate.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.next()), BACKLOG);
        s = candidate;
      } catch (IOException e) {
        candidate.close();
        last = e;
      }
    }
    if (s == null) {
      selector.close();
      throw new IOException("the fault proxy found no free loopback port to listen on", last);
    }
    this.server = s;
    server.configureBlocking(false);
    this.serverKey = server.register(selector, SelectionKey.OP_ACCEPT);
    this.address = (InetSocketAddress) server.getLocalAddress();
    this.thread = new Thread(this::run, "mesh4j-fault-proxy-" + address.getPort());
    thread.setDaemon(true);
  }

  /** A loop listening on a free loopback port, forwarding to {@code upstream}, started. */
  public static ProxyLoop start(InetSocketAddress upstream) throws IOException {
    ProxyLoop loop = new ProxyLoop(upstream);
    loop.thread.start();
    return loop;
  }

  /** Where clients connect. */
  public InetSocketAddress address() {
    return address;
  }

  /** The counters. */
  public ProxyCounters counters() {
    return counters;
  }

  /** The faults in force. */
  public ProxyFaults faults() {
    return faults;
  }

  /** Puts {@code f} in force, for new and existing connections; returns once applied. */
  public void update(ProxyFaults f) {
    call(() -> {
      faults = f;
      refresh(false);
    });
  }

  /** Removes every fault; connections caught in a black hole are reset. */
  public void clear() {
    call(() -> {
      faults = ProxyFaults.NONE;
      refresh(true);
    });
  }

  /** Resets (TCP RST) every open connection now; returns once done. */
  public void resetAll() {
    call(() -> {
      for (ProxyLink l : new ArrayList<>(links)) {
        close(l, true);
      }
    });
  }

  /** Ports of the loop's own filler connections, which it drops when it accepts them. */
  Set<Integer> fillerPorts() {
    return fillerPorts;
  }

  private void call(Runnable action) {
    if (!running) {
      throw new IllegalStateException("the fault proxy on " + address + " is closed");
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    tasks.add(() -> {
      try {
        action.run();
        done.complete(null);
      } catch (RuntimeException | Error e) {
        done.completeExceptionally(e);
      }
    });
    selector.wakeup();
    try {
      done.get(CONTROL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the fault proxy on " + address + " applied a change", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the fault proxy on " + address + " failed to apply a change", e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the fault proxy on " + address + " did not apply a change within "
          + CONTROL_TIMEOUT + "; its loop thread is stuck or gone", e);
    }
  }

  private void refresh(boolean clearing) {
    ProxyFaults f = faults;
    serverKey.interestOps(f.acceptStopped() ? 0 : SelectionKey.OP_ACCEPT);
    long now = System.nanoTime();
    for (ProxyLink l : new ArrayList<>(links)) {
      try {
        if (clearing && l.discarding) {
          close(l, true);
          continue;
        }
        if (f.blackhole() && !l.discarding) {
          l.discarding = true;
          l.up.discardQueue();
          l.down.discardQueue();
        }
        if (f.halfOpen()) {
          l.halfClose();
        }
        flush(l, l.up, now);
        flush(l, l.down, now);
        l.updateInterest(f);
      } catch (IOException e) {
        close(l, true);
      }
    }
  }

  private void run() {
    try {
      while (running) {
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        long now = System.nanoTime();
        runTimers(now);
        Timer next = timers.peek();
        if (next == null) {
          selector.select();
        } else {
          long waitNanos = next.at - System.nanoTime();
          if (waitNanos <= 0) {
            selector.selectNow();
          } else {
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
          }
        }
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          if (k == serverKey) {
            accept();
          } else if (k.isValid()) {
            handle(k, (ProxyLink) k.attachment());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        LOG.warn("fault proxy {} -> {} stopped on an unexpected error: its clients now get connection"
            + " refused, whatever fault the test set", address, upstream, e);
      }
    } finally {
      shutdown();
    }
  }

  private void runTimers(long now) {
    Timer t;
    while ((t = timers.peek()) != null && t.at - now <= 0) {
      timers.poll();
      if (t.pipe.timerAt == t.at) {
        t.pipe.timerAt = 0;
      }
      if (!t.link.closed) {
        flush(t.link, t.pipe, now);
        t.link.updateInterest(faults);
      }
    }
  }

  private void accept() throws IOException {
    ProxyFaults f = faults;
    if (f.acceptStopped()) {
      return;
    }
    SocketChannel c;
    while ((c = server.accept()) != null) {
      InetSocketAddress remote = (InetSocketAddress) c.getRemoteAddress();
      if (remote != null && fillerPorts.remove(remote.getPort())) {
        c.close();
        continue;
      }
      ProxyLink l = new ProxyLink(c);
      links.add(l);
      counters.opened();
      try {
        c.configureBlocking(false);
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        l.clientKey = c.register(selector, 0, l);
        if (f.blackhole()) {
          l.discarding = true;
        } else {
          SocketChannel u = SocketChannel.open();
          l.upstream = u;
          u.configureBlocking(false);
          u.setOption(StandardSocketOptions.TCP_NODELAY, true);
          l.connecting = true;
          if (u.connect(upstream)) {
            l.upstreamConnected();
          }
          l.upstreamKey = u.register(selector, 0, l);
        }
        if (f.halfOpen()) {
          l.halfClose();
        }
        l.updateInterest(f);
      } catch (IOException e) {
        LOG.debug("fault proxy {}: setting up a connection to {} failed: {}", address, upstream, e.toString());
        close(l, true);
      }
    }
  }

  private void handle(SelectionKey k, ProxyLink l) {
    if (l.closed) {
      return;
    }
    ProxyFaults f = faults;
    long now = System.nanoTime();
    boolean clientSide = k == l.clientKey;
    try {
      if (k.isConnectable()) {
        l.upstream.finishConnect();
        l.upstreamConnected();
        flush(l, l.up, now);
      }
      if (!l.closed && k.isValid() && k.isWritable()) {
        ProxyPipe p = clientSide ? l.down : l.up;
        p.blocked = false;
        flush(l, p, now);
      }
      if (!l.closed && k.isValid() && k.isReadable()) {
        ProxyPipe p = clientSide ? l.up : l.down;
        if (p.read(scratch, now, random.nextDouble() * 2 - 1)) {
          flush(l, p, now);
        } else {
          endOfStream(l, p, now);
        }
      }
      l.updateInterest(f);
    } catch (IOException | RuntimeException e) {
      LOG.debug("fault proxy {}: connection ended: {}", address, e.toString());
      close(l, true);
    }
  }

  private void endOfStream(ProxyLink l, ProxyPipe p, long now) {
    if (p.dir == ProxyFaults.UP && l.discarding) {
      close(l, false); // the client left a black hole
    } else if (!p.discarding()) {
      flush(l, p, now);
    }
    // An upstream that ends while the connection is in a black hole: the client still hears nothing.
  }

  private void flush(ProxyLink l, ProxyPipe p, long now) {
    if (l.closed) {
      return;
    }
    long next;
    try {
      next = p.flush(faults, now, counters);
    } catch (IOException e) {
      LOG.debug("fault proxy {}: writing failed: {}", address, e.toString());
      close(l, true);
      return;
    }
    if (next < 0) {
      close(l, true);
    } else if (next > 0) {
      schedule(l, p, next);
    } else if (l.finished()) {
      close(l, false);
    }
  }

  private void schedule(ProxyLink l, ProxyPipe p, long at) {
    if (p.timerAt != 0 && p.timerAt - at <= 0) {
      return;
    }
    p.timerAt = at;
    timers.add(new Timer(at, l, p));
  }

  private void close(ProxyLink l, boolean reset) {
    if (!l.closed) {
      l.close(reset);
      links.remove(l);
      counters.closed();
    }
  }

  private void shutdown() {
    for (ProxyLink l : new ArrayList<>(links)) {
      close(l, true);
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the fault proxy's listener failed: {}", e.toString());
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.debug("closing the fault proxy's selector failed: {}", e.toString());
    }
    Runnable task;
    while ((task = tasks.poll()) != null) {
      task.run(); // completes waiting callers; the changes no longer matter
    }
  }

  /** Stops the loop, resets every connection and closes the listener; waits for the thread. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    selector.wakeup();
    try {
      thread.join(CONTROL_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "FaultProxy{" + address.getHostString() + ":" + address.getPort() + " -> " + upstream + ", " + faults + "}";
  }
}
