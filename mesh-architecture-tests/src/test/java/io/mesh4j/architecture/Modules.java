package io.mesh4j.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import java.util.Set;

/** Which mesh4j module a class belongs to, read from its package: {@code io.mesh4j.<module>...}. */
final class Modules {
  static final String ROOT = "io.mesh4j.";
  /**
   * The library modules: released together, at one version, through one BOM ({@code micrometer}
   * is mesh-micrometer, {@code spring} the Spring Boot auto-configuration).
   */
  static final Set<String> LIBRARIES =
      Set.of("api", "discovery", "resilience", "cache", "client", "micrometer", "spring");

  private Modules() {}

  /** The module of {@code c}, or null if it is not one of ours. */
  static String of(JavaClass c) {
    return of(c.getPackageName());
  }

  static String of(String packageName) {
    if (!packageName.startsWith(ROOT)) {
      return null;
    }
    String rest = packageName.substring(ROOT.length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  /** True for a package named {@code internal}, or inside one. */
  static boolean isInternal(String packageName) {
    return packageName.endsWith(".internal") || packageName.contains(".internal.");
  }

  /** The package with its {@code .internal} part (and what is below it) removed. */
  static String family(String packageName) {
    int i = packageName.indexOf(".internal");
    while (i >= 0) {
      int end = i + ".internal".length();
      if (end == packageName.length() || packageName.charAt(end) == '.') {
        return packageName.substring(0, i);
      }
      i = packageName.indexOf(".internal", end);
    }
    return packageName;
  }
}
