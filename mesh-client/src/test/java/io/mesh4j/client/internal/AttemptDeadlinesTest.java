package io.mesh4j.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The attempt deadlines that replace OkHttp's per-call watchdog (issue 18): a call past its
 * deadline is cancelled soon after it, a call that ends in time is left alone and forgotten, the
 * thread that parks when nothing is in flight wakes for the next call, and one that sleeps until a
 * later deadline wakes for a call with an earlier one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AttemptDeadlinesTest {
  /** Accepts connections and never answers: every request on it hangs. */
  private ServerSocket silent;
  private final List<Socket> accepted = new ArrayList<>();
  private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();

  @BeforeEach
  void start() throws IOException {
    silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!silent.isClosed()) {
        try {
          Socket s = silent.accept();
          synchronized (accepted) {
            accepted.add(s);
          }
        } catch (IOException closed) {
          return;
        }
      }
    }, "silent-accept");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stop() throws IOException {
    silent.close();
    synchronized (accepted) {
      for (Socket s : accepted) {
        s.close();
      }
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private Call hangingCall() {
    return http.newCall(new Request.Builder().url("http://127.0.0.1:" + silent.getLocalPort() + "/").build());
  }

  private static long timedOut(Call call, long timeoutMillis) {
    AttemptDeadlines.Watch watch = AttemptDeadlines.watch(call, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
    long t0 = System.nanoTime();
    try {
      assertThrows(IOException.class, call::execute);
    } finally {
      watch.done();
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(watch.expired(), "cancelled by its deadline");
    return took;
  }

  @Test
  void aCallPastItsDeadlineIsCancelled() {
    long took = timedOut(hangingCall(), 200);
    assertTrue(took >= 190, "not before its deadline: " + took + " ms");
    assertTrue(took < 2_000, "soon after it: " + took + " ms");
  }

  @Test
  void aCallThatEndsInTimeIsNotCancelledAndIsForgotten() throws IOException {
    try (ServerSocket answering = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> {
        try (Socket s = answering.accept()) {
          s.getInputStream().read(new byte[4096]);
          s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
          // the test fails on its own assertions
        }
      });
      server.setDaemon(true);
      server.start();
      Call call = http.newCall(new Request.Builder().url("http://127.0.0.1:" + answering.getLocalPort() + "/").build());
      AttemptDeadlines.Watch watch = AttemptDeadlines.watch(call, TimeUnit.MILLISECONDS.toNanos(300));
      try (Response r = call.execute()) {
        assertEquals("ok", r.body().string());
      } finally {
        watch.done();
      }
      // Past the deadline, nothing is cancelled after the fact, and the watch is dropped.
      // This watch is dropped (not the JVM's count of watches: a call another test left running
      // holds one until its own limit).
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !AttemptDeadlines.holds(watch));
      Awaitility.await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5)).until(() -> true);
      assertFalse(watch.expired());
      assertFalse(call.isCanceled());
    }
  }

  @Test
  void theParkedThreadWakesForTheNextCall() {
    timedOut(hangingCall(), 50); // the thread exists
    // The thread parks once no call of the JVM is in flight: a call another test left running
    // keeps it awake until that call's own limit (10 s by default).
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(AttemptDeadlines::parked);
    long took = timedOut(hangingCall(), 200);
    assertTrue(took < 2_000, "cancelled although the thread was parked: " + took + " ms");
  }

  @Test
  void aShorterDeadlineWakesTheThreadSleepingUntilALaterOne() throws Exception {
    // The thread sleeps until the earliest deadline in flight: here the long call's, 20 s away.
    Call longCall = hangingCall();
    AttemptDeadlines.Watch longWatch = AttemptDeadlines.watch(longCall, TimeUnit.SECONDS.toNanos(20));
    Thread running = new Thread(() -> {
      try (Response r = longCall.execute()) {
        r.body().string();
      } catch (IOException expected) {
        // cancelled below
      }
    }, "long-call");
    running.setDaemon(true);
    running.start();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
        synchronized (accepted) {
          return !accepted.isEmpty();
        }
      });
      long took = timedOut(hangingCall(), 200);
      assertTrue(took < 2_000, "the 200 ms call waited for the 20 s one's deadline: " + took + " ms");
      assertFalse(longWatch.expired(), "the long call is not cancelled with it");
    } finally {
      longWatch.done();
      longCall.cancel();
      running.join(TimeUnit.SECONDS.toMillis(5));
    }
  }
}
