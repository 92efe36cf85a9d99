package io.mesh4j.client.internal;

import java.io.IOException;
import java.util.function.LongFunction;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Reads a response body with a bound: Content-Length is checked before anything is read, then
 * bytes are counted as they come, after OkHttp's transparent gzip decoding, so a small gzip that
 * inflates to gigabytes stops at the limit.
 */
public final class BoundedBodies {
  private static final long STEP = 8192;

  private BoundedBodies() {}

  /**
   * The whole body, or the exception {@code tooLarge} makes of the declared length (-1 when the
   * limit was passed while reading).
   */
  public static byte[] read(ResponseBody body, long max, LongFunction<RuntimeException> tooLarge) throws IOException {
    long declared = body.contentLength();
    if (declared > max) {
      throw tooLarge.apply(declared);
    }
    BufferedSource source = body.source();
    Buffer into = new Buffer();
    while (source.read(into, STEP) != -1) {
      if (into.size() > max) {
        into.clear();
        throw tooLarge.apply(-1);
      }
    }
    return into.readByteArray();
  }

  /** At most {@code max} bytes of the body, and whether there was more. */
  public static Prefix readPrefix(ResponseBody body, long max) throws IOException {
    BufferedSource source = body.source();
    Buffer into = new Buffer();
    while (into.size() <= max && source.read(into, STEP) != -1) {
      // keep reading until past max or the end
    }
    boolean truncated = into.size() > max;
    byte[] bytes = into.readByteArray(Math.min(into.size(), max));
    into.clear();
    return new Prefix(bytes, truncated);
  }

  /** The first bytes of a body, and whether it was cut. */
  public static final class Prefix {
    /** The bytes read. */
    public final byte[] bytes;
    /** True when the body was longer than what was kept. */
    public final boolean truncated;

    Prefix(byte[] bytes, boolean truncated) {
      this.bytes = bytes;
      this.truncated = truncated;
    }
  }
}
