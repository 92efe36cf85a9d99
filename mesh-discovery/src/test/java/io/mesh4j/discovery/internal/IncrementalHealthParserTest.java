package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reader of successive answers that parses only the entries whose bytes changed: what it gives
 * is always what the full parser gives for the same body (entries, null, or the same failure), and
 * an unchanged entry is the same object as in the last answer, not read again.
 */
@Timeout(20)
class IncrementalHealthParserTest {
  private static final String ENDPOINT = "/v1/health/service/big";

  /** One entry shaped as a Consul 1.8 server writes it (compact). */
  private static String entry(int i, String status, String meta) {
    int node = i % 7;
    return "{\"Node\":{\"ID\":\"0000-" + node + "\",\"Node\":\"node-" + node + "\",\"Address\":\"10.0.0." + node
        + "\",\"Datacenter\":\"dc1\",\"TaggedAddresses\":{\"lan\":\"10.0.0." + node + "\"},\"Meta\":{\"rack\":\"r"
        + node + "\"},\"CreateIndex\":5,\"ModifyIndex\":5},\"Service\":{\"ID\":\"big-" + i
        + "\",\"Service\":\"big\",\"Tags\":[\"a\",\"t" + i + "\"],\"Address\":\"10.1." + node + "." + i
        + "\",\"TaggedAddresses\":null,\"Meta\":{" + meta + "},\"Port\":" + (8000 + i)
        + ",\"Weights\":{\"Passing\":1,\"Warning\":1},\"EnableTagOverride\":false,\"Proxy\":{\"MeshGateway\":{},"
        + "\"Expose\":{}},\"Connect\":{},\"CreateIndex\":9,\"ModifyIndex\":9},\"Checks\":[{\"Node\":\"node-" + node
        + "\",\"CheckID\":\"service:big-" + i + "\",\"Name\":\"ttl\",\"Status\":\"" + status
        + "\",\"Notes\":\"\",\"Output\":\"\",\"ServiceID\":\"big-" + i + "\",\"Definition\":{},\"CreateIndex\":9,"
        + "\"ModifyIndex\":11}]}";
  }

  private static String entry(int i) {
    return entry(i, "passing", "\"zone\":\"z" + (i % 3) + "\"");
  }

  private static List<String> entries(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(entry(i));
    }
    return out;
  }

  private static byte[] body(List<String> entries) {
    return ("[" + String.join(",", entries) + "]").getBytes(StandardCharsets.UTF_8);
  }

  private static List<HealthEntry> full(byte[] body) throws IOException {
    return HealthAnswerParser.parse(new ByteArrayInputStream(body), ENDPOINT);
  }

  /** Parses with {@code p} and checks the result against the full parser. */
  private static List<HealthEntry> both(IncrementalHealthParser p, byte[] body) throws IOException {
    List<HealthEntry> ours = p.parse(body.clone(), ENDPOINT);
    assertEquals(full(body), ours, () -> new String(body, StandardCharsets.UTF_8));
    return ours;
  }

  @Test
  void anIdenticalAnswerReusesEveryEntryAndParsesNone() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    byte[] body = body(entries(200));
    List<HealthEntry> first = both(p, body);
    assertEquals(200, p.entryParses(), "the first answer: every entry read once");
    List<HealthEntry> second = both(p, body);
    assertEquals(200, p.entryParses(), "nothing read again");
    for (int i = 0; i < 200; i++) {
      assertSame(first.get(i), second.get(i), "entry " + i);
    }
    assertEquals(0, p.fullParses());
  }

  @Test
  void anAnswerUnderTheSizeLimitIsReadWholeAndNotKept() throws IOException {
    byte[] small = body(entries(3));
    byte[] large = body(entries(200));
    IncrementalHealthParser p = new IncrementalHealthParser(small.length + 1);
    both(p, small);
    both(p, small);
    assertEquals(2, p.fullParses(), "a small answer is read whole each time");
    assertEquals(0, p.entryParses(), "nothing of it kept to compare the next with");
    both(p, large);
    both(p, large);
    assertEquals(2, p.fullParses());
    assertEquals(200, p.entryParses(), "a large answer is kept: its repeat reads nothing");
    assertEquals(full(small), p.parse(into(null, small), small.length, ENDPOINT));
    assertNull(p.takeBuffer(), "a small service keeps no array");
    assertEquals(0, p.sizeHint());
  }

  /** Copies {@code body} to the start of {@code into} (a new array when null or short), garbage after it. */
  private static byte[] into(byte[] into, byte[] body) {
    byte[] b = into == null || into.length < body.length + 5 ? new byte[body.length + 64] : into;
    java.util.Arrays.fill(b, (byte) '#'); // what an older, longer answer left past the end
    System.arraycopy(body, 0, b, 0, body.length);
    return b;
  }

  /**
   * A watch reads each answer into the array of the answer before the last ({@code takeBuffer}):
   * never the kept answer's own array, which the next comparison reads, and only the given length
   * of it counts.
   */
  @Test
  void answersReadIntoTheSpareBufferCompareWithTheKeptOneOnly() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    List<String> e = entries(100);
    assertNull(p.takeBuffer(), "no spare before two answers");
    byte[] a1 = body(e);
    byte[] first = into(null, a1);
    assertEquals(full(a1), p.parse(first, a1.length, ENDPOINT));
    assertNull(p.takeBuffer(), "the only array holds the kept answer");
    assertEquals(a1.length, p.sizeHint());

    e.set(10, entry(10, "critical", "\"zone\":\"z1\""));
    byte[] a2 = body(e);
    byte[] second = into(null, a2);
    assertEquals(full(a2), p.parse(second, a2.length, ENDPOINT));
    byte[] spare = p.takeBuffer();
    assertTrue(first == spare, "the first answer's array, free once the second is kept");
    assertNull(p.takeBuffer(), "handed over once");

    for (int round = 0; round < 6; round++) {
      e.set(20 + round, entry(20 + round, round % 2 == 0 ? "warning" : "critical", "\"zone\":\"z2\""));
      byte[] next = body(e);
      long parsedBefore = p.entryParses();
      byte[] buffer = into(spare, next);
      assertEquals(full(next), p.parse(buffer, next.length, ENDPOINT), "round " + round);
      assertEquals(parsedBefore + 1, p.entryParses(), "round " + round + ": only the changed entry read");
      spare = p.takeBuffer();
      assertTrue(buffer != spare, "round " + round + ": never the kept answer's array");
    }
    assertEquals(0, p.fullParses());
  }

  @Test
  void oneChangedEntryIsTheOnlyOneRead() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    List<String> e = entries(100);
    List<HealthEntry> first = both(p, body(e));
    e.set(40, entry(40, "critical", "\"zone\":\"z1\""));
    List<HealthEntry> second = both(p, body(e));
    assertEquals(101, p.entryParses());
    for (int i = 0; i < 100; i++) {
      if (i == 40) {
        assertNotSame(first.get(i), second.get(i));
      } else {
        assertSame(first.get(i), second.get(i), "entry " + i);
      }
    }
  }

  @Test
  void insertedRemovedAndMovedEntriesReadOnlyWhatIsNew() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    List<String> e = entries(100);
    both(p, body(e));
    long read = p.entryParses();
    e.remove(30); // a check went critical under ?passing
    both(p, body(e));
    assertEquals(read, p.entryParses(), "a removed entry: nothing to read");
    e.add(30, entry(30)); // and passing again
    both(p, body(e));
    assertEquals(read + 1, p.entryParses(), "an inserted entry: read once");
    e.remove(10);
    e.remove(10);
    e.remove(10);
    both(p, body(e));
    assertEquals(read + 3, p.entryParses(), "three removed in a row: two entries read to find the place again");
    Collections.swap(e, 5, 80);
    both(p, body(e));
    assertEquals(read + 5, p.entryParses(), "two entries swapped: each read where it is now");
    e.add(50, e.remove(20));
    both(p, body(e));
    assertEquals(read + 6, p.entryParses(), "one entry moved down: read where it is now");
    e.add(20, e.remove(50));
    both(p, body(e));
    assertEquals(read + 7, p.entryParses(), "and back up");
    both(p, body(entries(3)));
    both(p, body(List.of()));
    both(p, body(entries(5)));
    assertEquals(0, p.fullParses());
  }

  @Test
  void trickyBytesReadAsTheFullParserReadsThem() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    List<String> e = entries(10);
    both(p, body(e));
    e.set(1, entry(1, "passing", "\"x\":\"{\\\"Node\\\":{\\\"Address\\\":\\\"6.6.6.6\\\"}},{\""));
    e.set(2, entry(2, "passing", "\"q\":\"a\\\\\",\"b}]\":\"[{\""));
    e.set(3, entry(3, "passing", "\"u\":\"caf\u00e9 \u2603 \\u00e9 \\ud83d\\ude00 \ud83d\ude00\""));
    e.set(4, entry(4, "passing", "\"e\":\"\\\\\\\"\\/\\b\\f\\n\\r\\t\""));
    both(p, body(e));
    both(p, body(e));
    // Pretty-printed, as a dev agent writes it, and with whitespace around the list.
    String pretty = " \n[\n  " + String.join(" ,\n\t", e) + "\r\n] \n";
    both(p, pretty.getBytes(StandardCharsets.UTF_8));
    both(p, pretty.getBytes(StandardCharsets.UTF_8));
    assertEquals(0, p.fullParses());
  }

  @Test
  void theRecordedAgentAnswersReadAsTheFullParserReadsThem() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    for (String name : List.of("health-service-web.json", "health-service-web-passing.json",
        "health-service-web.json")) {
      try (InputStream in = getClass().getResourceAsStream("/consul-1.8.7/" + name)) {
        both(p, in.readAllBytes());
      }
    }
    assertEquals(0, p.fullParses());
  }

  @Test
  void nullIsNoAnswerAndTheNextIsReadWhole() throws IOException {
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    both(p, body(entries(4)));
    assertNull(p.parse("null".getBytes(StandardCharsets.UTF_8), ENDPOINT));
    long read = p.entryParses();
    both(p, body(entries(4)));
    assertEquals(read + 4, p.entryParses(), "nothing kept from before the null");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{ this is not [ json",
      "{\"Node\":{}}",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":\"80\"}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80,\"Tags\":{\"a\":1}}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80,\"Meta\":{\"k\":1}}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"}}]",
      "[{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Po",
      "[{\"Node\":\"n1\",\"Service\":{\"ID\":\"a\",\"Port\":80}}]",
      "[] []",
      "",
      "@PREFIX@",
      "@PREFIX@,",
      "@PREFIX@ x]",
      "@PREFIX@,{\"Node\":{\"Address\":\"10.0.0.1\"}}]",
      "@PREFIX@,{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80}}}]",
      "@PREFIX@,[]]",
      "@PREFIX@,1]",
      "@PREFIX@] 1",
      "@PREFIX@]]",
      "@PREFIX@;@E4@]",
      "@PREFIX@ x @E4@]",
      "@PREFIX@,,@E4@]",
      "@PREFIX@,{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80}} {}]",
      "@PREFIX@,{\"Node\":{\"Address\":\"10.0.0.1\\x\"},\"Service\":{\"ID\":\"a\",\"Port\":80}}]",
      "@PREFIX@,{\"Node\":{\"Address\":\"10.0.0.1\"},\"Service\":{\"ID\":\"a\",\"Port\":80},}]"})
  void aMalformedAnswerFailsWithTheFullParsersMessage(String template) throws IOException {
    List<String> good = entries(5);
    String prefix = "[" + String.join(",", good.subList(0, 4));
    byte[] body = template.replace("@PREFIX@", prefix).replace("@E4@", good.get(4)).getBytes(StandardCharsets.UTF_8);
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    both(p, body(good)); // the prefix's entries are then reused, up to where the body goes wrong
    MalformedAnswerException want = assertThrows(MalformedAnswerException.class, () -> full(body));
    MalformedAnswerException got = assertThrows(MalformedAnswerException.class, () -> p.parse(body, ENDPOINT));
    assertEquals(want.getMessage(), got.getMessage());
    both(p, body(good)); // and the next good answer reads as ever
  }

  /** Random edits of a generated answer, each result compared with the full parser's (seeded). */
  @Test
  void randomEditsAlwaysReadAsTheFullParserReadsThem() throws IOException {
    Random r = new Random(15);
    IncrementalHealthParser p = new IncrementalHealthParser(0);
    List<String> e = entries(60);
    int next = 60;
    for (int round = 0; round < 400; round++) {
      int edits = 1 + r.nextInt(3);
      for (int k = 0; k < edits; k++) {
        int at = e.isEmpty() ? 0 : r.nextInt(e.size());
        switch (e.isEmpty() ? 1 : r.nextInt(6)) {
          case 0 -> e.remove(at);
          case 1 -> e.add(at, entry(next++));
          case 2 -> e.set(at, entry(r.nextInt(next), r.nextBoolean() ? "critical" : "passing",
              "\"zone\":\"z" + r.nextInt(4) + "\",\"k\":\"{\\\"}" + r.nextInt(9) + "\""));
          case 3 -> Collections.swap(e, at, r.nextInt(e.size()));
          case 4 -> e.add(at, e.get(r.nextInt(e.size()))); // a duplicate
          default -> Collections.shuffle(e.subList(at, Math.min(e.size(), at + 4)), r);
        }
      }
      byte[] body = body(e);
      if (r.nextInt(10) == 0) {
        body = ("\n[\n" + String.join(",\n", e) + "\n]\n").getBytes(StandardCharsets.UTF_8);
      }
      both(p, body);
    }
    assertEquals(0, p.fullParses());
  }
}
