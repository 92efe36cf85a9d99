package io.mesh4j.testkit;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Creates {@link FaultProxy fault proxies} for a test and closes them after it.
 *
 * <pre>{@code
 * @RegisterExtension final FaultProxyExtension proxies = new FaultProxyExtension();
 *
 * @Test void survivesABlackHole() {
 *   FaultProxy backend = proxies.start("127.0.0.1", wiremock.port());
 *   ...
 *   backend.blackhole();
 * }
 * }</pre>
 *
 * <p>A proxy started during a test is closed after that test. Registered on a static field, the
 * extension also serves proxies started before the tests (in {@code @BeforeAll}): those live until
 * the class's tests are done, and their faults are cleared before each test, so no test inherits
 * another's fault. Thread safe.
 */
public final class FaultProxyExtension implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  private final List<FaultProxy> classProxies = new ArrayList<>();
  private final List<FaultProxy> testProxies = new ArrayList<>();
  private boolean inTest;

  /** An extension with no proxy yet. */
  public FaultProxyExtension() {}

  /** A proxy to {@code host:port}, closed after the test (or the class, see above). */
  public FaultProxy start(String host, int port) {
    return track(FaultProxy.start(host, port));
  }

  /** A proxy to {@code upstream}, closed after the test (or the class, see above). */
  public FaultProxy start(InetSocketAddress upstream) {
    return track(FaultProxy.start(upstream));
  }

  /** Every proxy this extension holds open now, in the order started. */
  public synchronized List<FaultProxy> proxies() {
    List<FaultProxy> all = new ArrayList<>(classProxies);
    all.addAll(testProxies);
    return List.copyOf(all);
  }

  /** Removes every fault from every proxy this extension holds. */
  public void clearAll() {
    for (FaultProxy p : proxies()) {
      p.clear();
    }
  }

  private synchronized FaultProxy track(FaultProxy p) {
    (inTest ? testProxies : classProxies).add(p);
    return p;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    List<FaultProxy> survivors;
    synchronized (this) {
      inTest = true;
      survivors = List.copyOf(classProxies);
    }
    for (FaultProxy p : survivors) {
      p.clear();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<FaultProxy> done;
    synchronized (this) {
      inTest = false;
      done = List.copyOf(testProxies);
      testProxies.clear();
    }
    closeAll(done);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<FaultProxy> done;
    synchronized (this) {
      done = new ArrayList<>(classProxies);
      done.addAll(testProxies);
      classProxies.clear();
      testProxies.clear();
    }
    closeAll(done);
  }

  private static void closeAll(List<FaultProxy> proxies) {
    RuntimeException first = null;
    for (FaultProxy p : proxies) {
      try {
        p.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
