package io.mesh4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The docs show code that compiles and runs: each snippet is a test file of this module, shown verbatim. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DocSnippetsTest {
  private static Path repo() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no docs/ folder above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  @Test
  void testingYourServiceShowsTheExampleTestVerbatim() throws IOException {
    Path root = repo();
    String doc = Files.readString(root.resolve("docs/testing-your-service.md"));
    String source = Files.readString(root.resolve(
        "mesh-examples/src/test/java/com/example/orders/InventoryCallsTest.java")).stripTrailing();
    assertTrue(doc.contains("```java\n" + source + "\n```"),
        "docs/testing-your-service.md must show InventoryCallsTest.java as it is; copy the file into the page");
  }
}
