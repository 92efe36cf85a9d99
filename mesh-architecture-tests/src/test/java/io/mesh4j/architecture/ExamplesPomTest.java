package io.mesh4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Issue 11 item 3: a project that depends on mesh-examples (for the gateway) must not get
 * mesh-testkit, and Testcontainers through it, on its compile class path. Read from the pom as
 * declared (a dependency:tree run would be too slow for a unit test): mesh-testkit must be
 * {@code <optional>true</optional>} or test-scoped.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExamplesPomTest {
  @Test
  void meshTestkitIsNotTransitiveForGatewayUsers() throws Exception {
    Path pom = Path.of("..", "mesh-examples", "pom.xml");
    assertTrue(Files.isRegularFile(pom), "run from mesh-architecture-tests: " + pom.toAbsolutePath());
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Element project = f.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    List<String> offending = new ArrayList<>();
    int found = 0;
    NodeList deps = project.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      String artifact = text(d, "artifactId");
      if (!artifact.equals("mesh-testkit") && !artifact.startsWith("testcontainers")) {
        continue;
      }
      found++;
      boolean optional = text(d, "optional").equals("true");
      boolean testScope = text(d, "scope").equals("test");
      if (!optional && !testScope) {
        offending.add(artifact);
      }
    }
    assertTrue(found >= 1, "mesh-examples declares mesh-testkit (the demos use it); did the pom move?");
    assertEquals(List.of(), offending,
        "mesh-examples must declare these <optional>true</optional> or <scope>test</scope>: a gateway user would get them on the compile class path");
  }

  private static String text(Element parent, String tag) {
    NodeList l = parent.getElementsByTagName(tag);
    return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
  }
}
