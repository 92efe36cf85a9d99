package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * mesh-bom has no parent (so users do not inherit our test pins); this keeps its versions equal
 * to the root pom's, which is where versions are pinned.
 */
class BomMirrorsRootTest {
  private static final Map<String, String> PROPERTY_OF = new LinkedHashMap<>();

  static {
    PROPERTY_OF.put("okhttp-bom", "okhttp.version");
    PROPERTY_OF.put("jackson-bom", "jackson.version");
    PROPERTY_OF.put("slf4j-api", "slf4j.version");
    PROPERTY_OF.put("consul-client", "consul-client.version");
    PROPERTY_OF.put("jedis", "jedis.version");
    PROPERTY_OF.put("caffeine", "caffeine.version");
    PROPERTY_OF.put("failsafe", "failsafe.version");
    PROPERTY_OF.put("junit-bom", "junit.version");
  }

  @Test
  void bomVersionsEqualTheRootPins() throws Exception {
    Path root = Path.of(System.getProperty("mesh4j.repo.root", ".."));
    String rootPom = Files.readString(root.resolve("pom.xml"));
    String bom = Files.readString(root.resolve("mesh-bom/pom.xml"));
    String projectVersion = find(rootPom, "<artifactId>mesh4j-parent</artifactId>\\s*<version>([^<]+)</version>");
    for (Map.Entry<String, String> e : PROPERTY_OF.entrySet()) {
      String pinned = find(rootPom, "<" + Pattern.quote(e.getValue()) + ">([^<]+)</");
      String mirrored = find(bom, "<artifactId>" + Pattern.quote(e.getKey()) + "</artifactId>\\s*<version>([^<]+)</version>");
      assertEquals(pinned, mirrored, "mesh-bom's " + e.getKey() + " differs from the root pom's " + e.getValue());
    }
    Matcher own = Pattern.compile("<groupId>io.mesh4j</groupId><artifactId>([^<]+)</artifactId><version>([^<]+)</version>").matcher(bom);
    int count = 0;
    while (own.find()) {
      assertEquals(projectVersion, own.group(2), "mesh-bom's " + own.group(1));
      count++;
    }
    assertTrue(count >= 6, "mesh-bom lists the mesh4j modules");
  }

  private static String find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), "not found: " + regex);
    return m.group(1).trim();
  }
}
