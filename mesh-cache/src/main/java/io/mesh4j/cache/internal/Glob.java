package io.mesh4j.cache.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mesh4j.api.internal.Checks;
import java.util.Arrays;

/**
 * A Redis glob pattern, matched the way Redis 7's {@code stringmatchlen} (util.c) matches
 * {@code SCAN MATCH}: on the UTF-8 bytes, so L1 drops exactly the keys that L2 deleted.
 *
 * <ul>
 *   <li>{@code ?} is one byte (a two-byte character needs {@code ??}); {@code *} is any run of
 *       bytes; {@code \x} is {@code x}; a trailing {@code \} is itself.</li>
 *   <li>{@code [...]} is one byte: members, ranges {@code a-z} (either order: {@code [z-a]} is
 *       {@code [a-z]}, bounds compared as signed bytes like C's {@code char}), {@code \x} inside,
 *       {@code ^} first negates. {@code []} matches nothing and {@code [^]} any byte. An unclosed
 *       {@code [} takes the rest of the pattern as its members ({@code [} alone matches nothing,
 *       {@code [^} any byte).</li>
 *   <li>An empty key matches only the empty pattern (Redis 7 answers no for {@code *} too).</li>
 * </ul>
 *
 * <p>The pattern is parsed once into one-byte tokens and stars (how Redis walks the pattern does not
 * depend on the key), then matched without recursion: after a mismatch only the last star is moved
 * one byte on, so a match costs at most key length × pattern length steps, never the exponential
 * backtracking of a regular expression ({@code *a*a*a*a*a*a*a*a*a*a*b} against 40 {@code a}s took
 * 26 s as a {@link java.util.regex.Pattern}). With single-byte tokens between stars this gives the
 * answers Redis's recursive matcher gives. Patterns are at most {@value #MAX_PATTERN_BYTES} bytes.
 *
 * <p>Immutable and thread safe.
 */
final class Glob {
  /** The longest pattern accepted, in UTF-8 bytes. */
  static final int MAX_PATTERN_BYTES = 1024;

  /** Per token: null for a star, else the 256-bit set of the bytes it matches. */
  private final long[][] tokens;
  private final boolean empty;

  private Glob(long[][] tokens, boolean empty) {
    this.tokens = tokens;
    this.empty = empty;
  }

  /**
   * Parses {@code pattern}; checked before anything is deleted or published.
   *
   * @throws NullPointerException if {@code pattern} is null
   * @throws IllegalArgumentException if it is empty or longer than {@value #MAX_PATTERN_BYTES} bytes
   */
  static Glob compile(String pattern) {
    Checks.notNull(pattern, "pattern");
    Checks.argument(!pattern.isEmpty(), "pattern must not be empty");
    byte[] p = pattern.getBytes(UTF_8);
    Checks.argument(p.length <= MAX_PATTERN_BYTES,
        "pattern must be at most %d bytes in UTF-8, was %d: match on a shorter prefix, or use "
            + "invalidateAll() to drop the whole namespace", MAX_PATTERN_BYTES, p.length);
    return parse(p);
  }

  /** Parses a pattern of any length: the caller bounds it. */
  static Glob parse(byte[] p) {
    long[][] out = new long[p.length][];
    int count = 0;
    int n = p.length;
    int i = 0;
    while (i < n) {
      byte c = p[i];
      if (c == '*') {
        while (i < n && p[i] == '*') {
          i++;
        }
        out[count++] = null;
      } else if (c == '?') {
        long[] all = new long[4];
        Arrays.fill(all, -1L);
        out[count++] = all;
        i++;
      } else if (c == '[') {
        long[] set = new long[4];
        i++;
        boolean negate = i < n && p[i] == '^';
        if (negate) {
          i++;
        }
        while (true) {
          if (i < n && p[i] == '\\' && n - i >= 2) {
            add(set, p[i + 1]);
            i += 2;
          } else if (i < n && p[i] == ']') {
            i++;
            break;
          } else if (i >= n) {
            break; // unclosed: the rest of the pattern was the class
          } else if (n - i >= 3 && p[i + 1] == '-') {
            int start = p[i];
            int end = p[i + 2];
            for (int b = Math.min(start, end); b <= Math.max(start, end); b++) {
              add(set, (byte) b);
            }
            i += 3;
          } else {
            add(set, p[i]);
            i++;
          }
        }
        if (negate) {
          for (int w = 0; w < 4; w++) {
            set[w] = ~set[w];
          }
        }
        out[count++] = set;
      } else {
        if (c == '\\' && n - i >= 2) {
          i++;
        }
        long[] one = new long[4];
        add(one, p[i]);
        out[count++] = one;
        i++;
      }
    }
    return new Glob(Arrays.copyOf(out, count), n == 0);
  }

  private static void add(long[] set, byte b) {
    int u = b & 0xFF;
    set[u >>> 6] |= 1L << (u & 63);
  }

  private static boolean contains(long[] set, byte b) {
    int u = b & 0xFF;
    return (set[u >>> 6] & (1L << (u & 63))) != 0;
  }

  /** Whether {@code key}'s UTF-8 bytes match. */
  boolean matches(String key) {
    return matches(key.getBytes(UTF_8));
  }

  /** Whether {@code s} matches: at most {@code s.length × tokens} steps. */
  boolean matches(byte[] s) {
    if (s.length == 0) {
      return empty;
    }
    int m = tokens.length;
    int t = 0;
    int i = 0;
    int starToken = -1;
    int starFrom = 0;
    while (i < s.length) {
      if (t < m && tokens[t] == null) {
        starToken = t++;
        starFrom = i;
      } else if (t < m && contains(tokens[t], s[i])) {
        t++;
        i++;
      } else if (starToken >= 0) {
        // The last star takes one more byte; earlier stars never need to (what follows the last
        // star is tried from every later position anyway).
        t = starToken + 1;
        i = ++starFrom;
      } else {
        return false;
      }
    }
    while (t < m && tokens[t] == null) {
      t++;
    }
    return t == m;
  }
}
