package io.mesh4j.cache.internal;

import io.mesh4j.cache.CacheCodec;
import java.nio.ByteBuffer;

/**
 * The stored form of a value: a 14-byte header, then the codec's bytes.
 *
 * <pre>
 * byte 0      magic 0xCA (a payload that does not start with it is not ours: decode failure)
 * byte 1      format version (1)
 * bytes 2-9   expiry, epoch milliseconds (XFetch compares it with now)
 * bytes 10-13 δ: how long the value took to compute, milliseconds
 * </pre>
 */
final class Envelope {
  static final byte MAGIC = (byte) 0xCA;
  static final byte FORMAT = 1;
  static final int HEADER = 14;

  private Envelope() {}

  static byte[] wrap(byte[] payload, long expiresAtMillis, long deltaMillis) {
    byte[] out = new byte[HEADER + payload.length];
    ByteBuffer.wrap(out)
        .put(MAGIC)
        .put(FORMAT)
        .putLong(expiresAtMillis)
        .putInt((int) Math.max(0, Math.min(Integer.MAX_VALUE, deltaMillis)))
        .put(payload);
    return out;
  }

  /**
   * The entry in {@code raw}.
   *
   * @throws IllegalArgumentException if {@code raw} is not an envelope
   * @throws RuntimeException whatever the codec throws on a bad payload
   */
  static <V> Hit<V> unwrap(byte[] raw, CacheCodec<V> codec) {
    if (raw.length < HEADER || raw[0] != MAGIC || raw[1] != FORMAT) {
      throw new IllegalArgumentException("not a mesh4j cache entry (" + raw.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    long expiresAt = b.getLong(2);
    int delta = b.getInt(10);
    V value = codec.decode(raw, HEADER, raw.length - HEADER);
    if (value == null) {
      throw new IllegalArgumentException("payload decoded to null");
    }
    return new Hit<>(value, expiresAt, delta);
  }
}
