package io.mesh4j.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.LongFunction;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading a body under a size bound, with its length declared or not. */
@Timeout(10)
class BoundedBodiesTest {
  /** Thrown by the bound, carrying the declared length it was given (-1 when it was not declared). */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long declared;

    TooLarge(long declared) {
      super("too large: " + declared);
      this.declared = declared;
    }
  }

  private static final LongFunction<RuntimeException> TOO_LARGE = TooLarge::new;

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  private static ResponseBody declared(byte[] b) {
    return ResponseBody.create(b, null);
  }

  private static ResponseBody undeclared(byte[] b) {
    return ResponseBody.create(new Buffer().write(b), null, -1L);
  }

  @Test
  void aBodyUpToTheBoundIsReadWholeDeclaredOrNot() throws IOException {
    assertArrayEquals(bytes(10), BoundedBodies.read(declared(bytes(10)), 10, TOO_LARGE));
    assertArrayEquals(bytes(10), BoundedBodies.read(undeclared(bytes(10)), 10, TOO_LARGE));
    assertArrayEquals(bytes(20_000), BoundedBodies.read(undeclared(bytes(20_000)), 20_000, TOO_LARGE),
        "more than one read step");
    assertArrayEquals(new byte[0], BoundedBodies.read(undeclared(new byte[0]), 0, TOO_LARGE));
  }

  @Test
  void aDeclaredLengthOverTheBoundIsRefusedBeforeReadingNamingTheLength() {
    TooLarge e = assertThrows(TooLarge.class, () -> BoundedBodies.read(declared(bytes(11)), 10, TOO_LARGE));
    assertEquals(11, e.declared);
  }

  @Test
  void anUndeclaredBodyOverTheBoundIsRefusedWhileReading() {
    TooLarge e = assertThrows(TooLarge.class, () -> BoundedBodies.read(undeclared(bytes(11)), 10, TOO_LARGE));
    assertEquals(-1, e.declared);
    assertThrows(TooLarge.class, () -> BoundedBodies.read(undeclared(bytes(20_001)), 20_000, TOO_LARGE));
  }

  @Test
  void aPrefixIsAtMostTheBoundAndSaysWhetherItWasCut() throws IOException {
    BoundedBodies.Prefix whole = BoundedBodies.readPrefix(undeclared(bytes(10)), 10);
    assertArrayEquals(bytes(10), whole.bytes);
    assertFalse(whole.truncated);
    BoundedBodies.Prefix roomy = BoundedBodies.readPrefix(undeclared(bytes(10)), 64);
    assertArrayEquals(bytes(10), roomy.bytes);
    assertFalse(roomy.truncated);
    BoundedBodies.Prefix cut = BoundedBodies.readPrefix(undeclared(bytes(11)), 10);
    assertArrayEquals(bytes(10), cut.bytes);
    assertTrue(cut.truncated);
    BoundedBodies.Prefix long1 = BoundedBodies.readPrefix(undeclared(bytes(50_000)), 10_000);
    assertArrayEquals(Arrays.copyOf(bytes(50_000), 10_000), long1.bytes);
    assertTrue(long1.truncated);
    BoundedBodies.Prefix exact = BoundedBodies.readPrefix(undeclared(bytes(16_384)), 16_384);
    assertEquals(16_384, exact.bytes.length);
    assertFalse(exact.truncated, "two full read steps, nothing left");
    BoundedBodies.Prefix oneMore = BoundedBodies.readPrefix(undeclared(bytes(16_385)), 16_384);
    assertEquals(16_384, oneMore.bytes.length);
    assertTrue(oneMore.truncated, "reads reached the bound exactly, one byte was still to come");
  }
}
