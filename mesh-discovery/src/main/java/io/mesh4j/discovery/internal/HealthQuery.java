package io.mesh4j.discovery.internal;

import io.mesh4j.discovery.ConsistencyMode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * One {@code GET /v1/health/service/<name>} on {@link ConsulHandle}'s own OkHttp client, its body
 * read whole and handed to the watch's {@link IncrementalHealthParser} (which reads only the entries
 * that changed since the last answer) rather than bound to consul-client's model.
 * It sends what consul-client's {@code getHealthyServiceInstances}/{@code getAllServiceInstances}
 * sent for a watch: {@code passing}, one {@code tag} per tag, {@code dc}, {@code near=_agent},
 * {@code stale} or {@code consistent}, and for a blocking query {@code index} and {@code wait}
 * with a read timeout of wait + wait/16 + {@link ConsulHandle#BLOCKING_READ_MARGIN}
 * ({@link BlockingRead}); the ACL token only as the {@code X-Consul-Token} header; no compression
 * ({@code Accept-Encoding: identity}). Errors are
 * thrown as consul-client's were mapped: an HTTP error status as {@link ConsulHttpException}, a
 * body that is not a health list as {@link MalformedAnswerException}, no answer as the
 * {@link IOException} OkHttp gave; {@link ConsulFailure#of} describes each.
 */
final class HealthQuery {
  private static final int MAX_ERROR_BODY = 1_000;

  private HealthQuery() {}

  /**
   * Reads the health entries of {@code service}.
   *
   * @param index the blocking query's index, or null for a plain read
   * @param wait the blocking query's wait in Consul's form ({@code "55s"}); ignored without index
   * @param parser the watch's reader of successive answers, which re-reads only changed entries
   */
  static HealthAnswer read(ConsulHandle consul, String service, WatchSettings settings, BigInteger index, String wait,
      IncrementalHealthParser parser) throws IOException {
    HttpUrl.Builder u = consul.baseUrl().newBuilder()
        .addPathSegments("v1/health/service")
        .addPathSegment(service);
    if (settings.passingOnly()) {
      u.addQueryParameter("passing", null);
    }
    for (String tag : settings.tags()) {
      u.addQueryParameter("tag", tag);
    }
    if (settings.datacenter() != null) {
      u.addQueryParameter("dc", settings.datacenter());
    }
    if (settings.nearAgent()) {
      u.addQueryParameter("near", "_agent");
    }
    if (settings.consistency() == ConsistencyMode.STALE) {
      u.addQueryParameter("stale", null);
    } else if (settings.consistency() == ConsistencyMode.CONSISTENT) {
      u.addQueryParameter("consistent", null);
    }
    // Uncompressed: OkHttp would otherwise ask for gzip, and the agent, usually on the same host,
    // would compress every answer (1.3 MB for a service of 2,000 instances) for the watch to inflate
    // it again, CPU on both sides for bytes that never cross a network.
    Request.Builder r = new Request.Builder().get().header("Accept-Encoding", "identity");
    if (index != null) {
      u.addQueryParameter("index", index.toString()).addQueryParameter("wait", wait);
      r.tag(BlockingRead.class, BlockingRead.forWait(waitSeconds(wait)));
    }
    if (consul.token() != null) {
      r.header("X-Consul-Token", consul.token());
    }
    HttpUrl url = u.build();
    String endpoint = url.encodedPath();
    try (Response response = consul.http().newCall(r.url(url).build()).execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful()) {
        throw new ConsulHttpException(endpoint, response.code(), errorBody(body));
      }
      List<HealthEntry> entries = parseWhole(body, parser, endpoint);
      String got = response.header("X-Consul-Index");
      return new HealthAnswer(entries, got == null ? null : new BigInteger(got.trim()),
          Boolean.parseBoolean(response.header("X-Consul-KnownLeader")), lastContact(response));
    }
  }

  /**
   * Reads the body whole, as bytes (the parser compares each entry's bytes with the last answer's),
   * into the parser's spare buffer when it has one: a watch of a large service then reads each answer
   * into one of two arrays, straight from OkHttp's pooled segments, instead of allocating the
   * answer's size, and OkHttp's segments for all of it, at every change.
   */
  private static List<HealthEntry> parseWhole(ResponseBody body, IncrementalHealthParser parser, String endpoint)
      throws IOException {
    byte[] buffer = parser.takeBuffer();
    int length = 0;
    try (BufferedSource source = body.source()) {
      long declared = body.contentLength();
      // One byte more than the answer: the read that finds the end then needs no larger array.
      int last = parser.sizeHint();
      int need = declared >= 0 ? (int) Math.min(declared + 1, Integer.MAX_VALUE - 16) : last + 1;
      if (buffer == null || buffer.length < need) {
        // Room for an answer somewhat larger than the last, so that the next ones fit the same array.
        buffer = new byte[declared >= 0 ? need : (int) Math.min((long) last + last / 8 + 8192, Integer.MAX_VALUE - 16)];
      }
      for (int n; (n = source.read(buffer, length, buffer.length - length)) != -1; ) {
        length += n;
        if (length == buffer.length) {
          buffer = Arrays.copyOf(buffer, grown(buffer.length));
        }
      }
    }
    return parser.parse(buffer, length, endpoint);
  }

  /** The next size of a full read buffer: half again, past what an array can hold refused. */
  private static int grown(int length) throws IOException {
    if (length >= Integer.MAX_VALUE - 16) {
      throw new IOException("a Consul health answer larger than 2 GiB");
    }
    return (int) Math.min((long) length + (length >> 1) + 8192, Integer.MAX_VALUE - 16);
  }

  /** Seconds of a wait written by {@link Backoff#jitteredWait} ({@code "55s"}). */
  static long waitSeconds(String wait) {
    return Long.parseLong(wait.substring(0, wait.length() - 1));
  }

  private static long lastContact(Response response) {
    String v = response.header("X-Consul-LastContact");
    if (v == null) {
      return 0;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 0; // as consul-client read it
    }
  }

  /** The start of an error answer's body (Consul writes its reason there as plain text). */
  private static String errorBody(ResponseBody body) {
    try (InputStream in = body.byteStream()) {
      return new String(in.readNBytes(MAX_ERROR_BODY), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return "(unreadable body: " + e.getClass().getSimpleName() + ")";
    }
  }
}
