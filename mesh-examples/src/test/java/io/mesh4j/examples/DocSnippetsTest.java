package io.mesh4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /**
   * Every Java block of docs/getting-started.md is one of the example's files, shown as it is (so
   * every snippet on the page is compiled and run by this module), and every file is shown.
   */
  @Test
  void gettingStartedShowsOnlyCompiledFilesVerbatim() throws IOException {
    Path root = repo();
    String doc = Files.readString(root.resolve("docs/getting-started.md"));
    Map<String, String> files = new LinkedHashMap<>();
    for (String name : List.of("InventoryService.java", "OrdersService.java", "GettingStartedTest.java")) {
      files.put(name, Files.readString(root.resolve("mesh-examples/src/test/java/com/example/orders/" + name))
          .stripTrailing());
    }
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL).matcher(doc);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    for (String block : blocks) {
      assertTrue(files.containsValue(block), "docs/getting-started.md has a Java block that is not one of "
          + files.keySet() + " as it is (copy the file into the page):\n" + block);
    }
    for (Map.Entry<String, String> f : files.entrySet()) {
      assertTrue(blocks.contains(f.getValue()), "docs/getting-started.md must show " + f.getKey() + " as it is");
    }
    assertEquals(files.size(), blocks.size(), "one Java block per file");
  }

  /** The page's pom uses the BOM of this build, and only mesh4j modules the BOM manages. */
  @Test
  void gettingStartedPomImportsThisBomAndItsModules() throws IOException {
    Path root = repo();
    String doc = Files.readString(root.resolve("docs/getting-started.md"));
    String bom = Files.readString(root.resolve("mesh-bom/pom.xml"));
    Matcher version = Pattern.compile("<artifactId>mesh-bom</artifactId>\\s*<version>([^<]+)</version>").matcher(bom);
    assertTrue(version.find(), "mesh-bom/pom.xml has a version");
    assertTrue(doc.contains("<artifactId>mesh-bom</artifactId>\n        <version>" + version.group(1) + "</version>"),
        "docs/getting-started.md imports mesh-bom " + version.group(1));
    Matcher module = Pattern.compile("<groupId>io\\.mesh4j</groupId><artifactId>([a-z-]+)</artifactId>").matcher(doc);
    int modules = 0;
    while (module.find()) {
      modules++;
      assertTrue(bom.contains("<artifactId>" + module.group(1) + "</artifactId>"), module.group(1) + " is in mesh-bom");
    }
    assertEquals(3, modules, "mesh-client, mesh-cache and mesh-testkit");
  }
}
