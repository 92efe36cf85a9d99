package io.mesh4j.discovery.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The read timeout of one blocking query, carried as a request tag: its wait, plus the wait/16
 * that Consul adds at random, plus {@link ConsulHandle#BLOCKING_READ_MARGIN}, as consul-client's
 * timeout auto-adjustment does, so a long poll is never cut short by the client.
 *
 * @param millis the read timeout of the request that carries this tag
 */
record BlockingRead(long millis) {

  /** The read timeout for a blocking query of {@code waitSeconds}. */
  static BlockingRead forWait(long waitSeconds) {
    long waitMillis = TimeUnit.SECONDS.toMillis(waitSeconds);
    return new BlockingRead(waitMillis + (long) Math.ceil(waitMillis / 16.0)
        + ConsulHandle.BLOCKING_READ_MARGIN.toMillis());
  }

  /** The interceptor: a request tagged with a {@code BlockingRead} gets its read timeout. */
  static Response apply(Interceptor.Chain chain) throws IOException {
    BlockingRead b = chain.request().tag(BlockingRead.class);
    if (b == null) {
      return chain.proceed(chain.request());
    }
    return chain.withReadTimeout((int) Math.min(Integer.MAX_VALUE, b.millis), TimeUnit.MILLISECONDS)
        .proceed(chain.request());
  }
}
