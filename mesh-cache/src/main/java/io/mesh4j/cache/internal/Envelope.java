package io.mesh4j.cache.internal;

import io.mesh4j.cache.CacheCodec;
import java.nio.ByteBuffer;

/**
 * The stored form of a value: a header, then the codec's bytes.
 *
 * <pre>
 * byte 0      magic 0xCA (a payload that does not start with it is not ours: decode failure)
 * byte 1      format version: 2 (written), 1 (still read: no fingerprint)
 * bytes 2-9   expiry, epoch milliseconds (XFetch compares it with now)
 * bytes 10-13 δ: how long the value took to compute, milliseconds
 * bytes 14-17 format 2 only: the type fingerprint of the codec that wrote it (0: not checked)
 * </pre>
 *
 * <p>The fingerprint tells a value of another type in the same namespace from ours: Jackson ignores
 * unknown properties (so rolling deploys may add fields), and would otherwise read it back as an
 * object of nulls. Entries of format 1, written before the fingerprint existed, are read unchecked.
 */
final class Envelope {
  static final byte MAGIC = (byte) 0xCA;
  static final byte FORMAT_1 = 1;
  static final byte FORMAT = 2;
  static final int HEADER_1 = 14;
  static final int HEADER = 18;

  private Envelope() {}

  static byte[] wrap(byte[] payload, long expiresAtMillis, long deltaMillis, int fingerprint) {
    byte[] out = new byte[HEADER + payload.length];
    ByteBuffer.wrap(out)
        .put(MAGIC)
        .put(FORMAT)
        .putLong(expiresAtMillis)
        .putInt((int) Math.max(0, Math.min(Integer.MAX_VALUE, deltaMillis)))
        .putInt(fingerprint)
        .put(payload);
    return out;
  }

  /**
   * The entry in {@code raw}, decoded if it was written with {@code fingerprint} (or either is 0).
   *
   * @throws IllegalArgumentException if {@code raw} is not an envelope
   * @throws TypeMismatchException if it holds a value of another type
   * @throws RuntimeException whatever the codec throws on a bad payload
   */
  static <V> Hit<V> unwrap(byte[] raw, CacheCodec<V> codec, int fingerprint) {
    int header = raw.length < 2 || raw[0] != MAGIC ? -1
        : raw[1] == FORMAT ? HEADER : raw[1] == FORMAT_1 ? HEADER_1 : -1;
    if (header < 0 || raw.length < header) {
      throw new IllegalArgumentException("not a mesh4j cache entry (" + raw.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    long expiresAt = b.getLong(2);
    int delta = b.getInt(10);
    if (header == HEADER) {
      int stored = b.getInt(14);
      if (stored != 0 && fingerprint != 0 && stored != fingerprint) {
        throw new TypeMismatchException();
      }
    }
    V value = codec.decode(raw, header, raw.length - header);
    if (value == null) {
      throw new IllegalArgumentException("payload decoded to null");
    }
    return new Hit<>(value, expiresAt, delta);
  }

  /** The entry was written by a codec of another type. */
  static final class TypeMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TypeMismatchException() {
      super("the entry holds a value of another type", null, false, false);
    }
  }
}
