package io.mesh4j.discovery.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one watch's successive {@code /v1/health/service/<name>} answers, parsing only the entries
 * whose bytes changed since the last answer (issue 15). A blocking query on a large service answers
 * the whole list at every change, though one check flip changes one entry of 2,000: the others are
 * byte for byte what the last answer held.
 *
 * <p>It keeps the last answer's bytes and, for each top-level entry, its byte range and the
 * {@link HealthEntry} read from it. A new answer is walked entry by entry: when the bytes at the
 * current place equal (one vectorized {@link Arrays#equals(byte[], int, int, byte[], int, int)})
 * the last answer's entry at the expected index, or the one after it (an entry removed before), that
 * entry's {@code HealthEntry} object is reused and the walk jumps past it unscanned; the same
 * object then lets {@link HealthEntries} reuse its instance by identity. An entry that matches
 * neither is found by a byte scan (strings and escapes aware) and read by Jackson on its range
 * alone ({@link HealthAnswerParser#entry(byte[], int, int, String)}). The expected index then stays
 * (an entry changed in place or inserted: the next entry is the last answer's next or expected one);
 * on a second miss in a row, the service ID of the entry just read puts it back in step (entries
 * removed in a row, or moved).
 *
 * <p>A reused entry is only ever one whose bytes are equal to an object Jackson read whole, so it
 * ends at the same offset; what follows it must be a comma or the closing bracket (JSON whitespace
 * allowed). Anything else, anywhere (JSON {@code null}, a body that is not an array, an entry Jackson
 * refuses, bytes after the list), and the whole body is read by {@link HealthAnswerParser} as
 * before, which gives the same answer or the same {@link MalformedAnswerException}; the kept state
 * is then dropped. Thread safe (one answer at a time).
 *
 * <p>Only answers of {@link #DEFAULT_MIN_BYTES} or more are kept: a smaller one (a service of up to
 * some fifty instances) is parsed whole in well under a millisecond, and a client watching a
 * thousand such services would otherwise hold a thousand answers' bytes for nothing.
 */
final class IncrementalHealthParser {
  /** The smallest answer whose bytes are kept for the next: 32 KiB, some fifty instances. */
  static final int DEFAULT_MIN_BYTES = 32 * 1024;

  private final int minBytes;
  private byte[] lastBody; // the last kept answer is lastBody[0, lastLength)
  private int lastLength;
  private byte[] spare; // the array of the answer before, free to read the next into
  private int[] starts = new int[0];
  private int[] ends = new int[0];
  private HealthEntry[] entries = new HealthEntry[0];
  private int count;

  // Counters for tests: entries read by Jackson one by one, and whole bodies read by the fallback.
  private long entryParses;
  private long fullParses;

  /**
   * The entries of {@code body} (which this object keeps: the caller must not change it), or null
   * when the body is JSON {@code null}.
   *
   * @throws MalformedAnswerException when the body is not a health answer (as {@link HealthAnswerParser})
   * @throws IOException when reading fails
   */
  synchronized List<HealthEntry> parse(byte[] body, String endpoint) throws IOException {
    return parse(body, body.length, endpoint);
  }

  /**
   * The entries of {@code body[0, length)}; as {@link #parse(byte[], String)}. The array may be one
   * from {@link #takeBuffer()}: kept with the answer, it goes back to being the spare buffer once a
   * newer answer replaces it.
   */
  synchronized List<HealthEntry> parse(byte[] body, int length, String endpoint) throws IOException {
    byte[] previous = lastBody;
    List<HealthEntry> out = length < minBytes ? null : split(body, length, endpoint);
    if (out != null) {
      if (previous != null && previous != body) {
        spare = previous; // no range points into it any more
      }
      return out;
    }
    forget();
    fullParses++;
    return HealthAnswerParser.parse(body, length, endpoint);
  }

  /**
   * A buffer to read the next answer into, no longer holding a kept answer: the one the answer
   * before the last was read into, or null (then the caller allocates, sized by {@link #sizeHint()}).
   * Handed over, not shared: a second caller before the next {@link #parse} gets null. A watch of a
   * large service thus reads every answer into one of two arrays instead of allocating the answer's
   * size (and OkHttp's 8 KiB segments for it) each time.
   */
  synchronized byte[] takeBuffer() {
    byte[] b = spare;
    spare = null;
    return b;
  }

  /** The length of the last kept answer, 0 when none is kept: what the next answer likely needs. */
  synchronized int sizeHint() {
    return lastBody == null ? 0 : lastLength;
  }

  /** Keeps answers of {@link #DEFAULT_MIN_BYTES} or more. */
  IncrementalHealthParser() {
    this(DEFAULT_MIN_BYTES);
  }

  /** Keeps answers of {@code minBytes} or more (0: every answer, for tests). */
  IncrementalHealthParser(int minBytes) {
    this.minBytes = minBytes;
  }

  synchronized long entryParses() {
    return entryParses;
  }

  synchronized long fullParses() {
    return fullParses;
  }

  private void forget() {
    lastBody = null;
    lastLength = 0;
    spare = null;
    count = 0;
    starts = new int[0];
    ends = new int[0];
    entries = new HealthEntry[0];
  }

  /** The entries, keeping this body's ranges for the next; null when the body needs the full parser. */
  private List<HealthEntry> split(byte[] b, int n, String endpoint) {
    int i = skipSpace(b, 0, n);
    if (i >= n || b[i] != '[') {
      return null;
    }
    i = skipSpace(b, i + 1, n);
    int cap = Math.max(16, count + 8);
    int[] newStarts = new int[cap];
    int[] newEnds = new int[cap];
    HealthEntry[] newEntries = new HealthEntry[cap];
    int m = 0;
    int expected = 0; // the index in the last answer that the next entry most likely equals
    int misses = 0; // entries in a row that matched neither candidate
    Map<String, Integer> byKey = null; // built on the second miss in a row
    if (i < n && b[i] == ']') {
      i++;
    } else {
      while (true) {
        if (i >= n || b[i] != '{') {
          return null;
        }
        int start = i;
        int end;
        HealthEntry e;
        int k = sameAs(b, n, start, expected);
        if (k >= 0) {
          end = start + (ends[k] - starts[k]);
          e = entries[k];
          expected = k + 1;
          misses = 0;
        } else {
          end = objectEnd(b, start, n);
          if (end < 0) {
            return null;
          }
          entryParses++;
          e = HealthAnswerParser.entry(b, start, end - start, endpoint);
          if (e == null) {
            return null;
          }
          // One miss keeps the expected index: an entry changed in place is followed by the last
          // answer's next one (the second candidate), an inserted one by the expected one itself.
          // Two in a row (entries removed in a row, or moved) put it back in step by service ID.
          if (++misses >= 2 && count > 0) {
            if (byKey == null) {
              byKey = indexByKey();
            }
            Integer at = byKey.get(key(e));
            if (at != null) {
              expected = at + 1;
            }
          }
        }
        if (m == newStarts.length) {
          newStarts = Arrays.copyOf(newStarts, m * 2);
          newEnds = Arrays.copyOf(newEnds, m * 2);
          newEntries = Arrays.copyOf(newEntries, m * 2);
        }
        newStarts[m] = start;
        newEnds[m] = end;
        newEntries[m] = e;
        m++;
        i = skipSpace(b, end, n);
        if (i >= n) {
          return null;
        }
        if (b[i] == ',') {
          i = skipSpace(b, i + 1, n);
        } else if (b[i] == ']') {
          i++;
          break;
        } else {
          return null;
        }
      }
    }
    if (skipSpace(b, i, n) != n) {
      return null;
    }
    lastBody = b;
    lastLength = n;
    starts = newStarts;
    ends = newEnds;
    entries = newEntries;
    count = m;
    return new ArrayList<>(Arrays.asList(newEntries).subList(0, m));
  }

  /** The last answer's index, {@code expected} or the one after, whose bytes are at {@code start}; or -1. */
  private int sameAs(byte[] b, int n, int start, int expected) {
    for (int k = expected; k < count && k <= expected + 1; k++) {
      int len = ends[k] - starts[k];
      if (start + len <= n && Arrays.equals(b, start, start + len, lastBody, starts[k], ends[k])) {
        return k;
      }
    }
    return -1;
  }

  private Map<String, Integer> indexByKey() {
    Map<String, Integer> out = new HashMap<>(count * 2);
    for (int k = count - 1; k >= 0; k--) {
      out.put(key(entries[k]), k); // the first of equal keys wins
    }
    return out;
  }

  /** An entry's service ID and node address: what tells entries apart in one answer. */
  private static String key(HealthEntry e) {
    return e.id() + '\u0000' + e.nodeAddress();
  }

  private static int skipSpace(byte[] b, int i, int n) {
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
    return i;
  }

  /**
   * The offset just past the bracket that closes the object opening at {@code from}, counting
   * brackets outside strings (a backslash in a string escapes the next byte); -1 when the body ends
   * first. It does not validate: Jackson reads the range next, and refuses what is not JSON.
   */
  static int objectEnd(byte[] b, int from, int n) {
    int depth = 0;
    int i = from;
    while (i < n) {
      byte c = b[i++];
      if (c == '"') {
        while (true) {
          if (i >= n) {
            return -1;
          }
          byte d = b[i++];
          if (d == '\\') {
            i++;
          } else if (d == '"') {
            break;
          }
        }
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        if (--depth <= 0) {
          return depth == 0 ? i : -1;
        }
      }
    }
    return -1;
  }
}
