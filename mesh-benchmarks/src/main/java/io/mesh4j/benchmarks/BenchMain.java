package io.mesh4j.benchmarks;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Entry point of {@code benchmarks.jar}: {@code list}, or the kebab-case name of a benchmark
 * followed by its own arguments.
 */
public final class BenchMain {
  private static final String PACKAGE = "io.mesh4j.benchmarks.";

  private BenchMain() {}

  /** Runs the named benchmark's {@code main}. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("list")) {
      for (String name : names()) {
        System.out.println(name);
      }
      return;
    }
    String name = args[0];
    Class<?> type;
    try {
      type = Class.forName(PACKAGE + className(name));
    } catch (ClassNotFoundException e) {
      System.err.println("no benchmark named '" + name + "'; known: " + String.join(", ", names()));
      System.exit(2);
      return;
    }
    String[] rest = new String[args.length - 1];
    System.arraycopy(args, 1, rest, 0, rest.length);
    Method main = type.getMethod("main", String[].class);
    main.invoke(null, (Object) rest);
  }

  /** {@code retry-amplification} to {@code RetryAmplificationBench}. */
  static String className(String kebab) {
    StringBuilder sb = new StringBuilder();
    for (String part : kebab.split("-")) {
      if (!part.isEmpty()) {
        sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return sb.append("Bench").toString();
  }

  /** {@code RetryAmplificationBench} to {@code retry-amplification}. */
  static String kebabName(String simpleName) {
    String base = simpleName.substring(0, simpleName.length() - "Bench".length());
    return base.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static List<String> names() throws IOException, URISyntaxException {
    List<String> names = new ArrayList<>();
    Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (!jar.toString().endsWith(".jar")) {
      return names;
    }
    try (JarFile jf = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> entries = jf.entries();
      while (entries.hasMoreElements()) {
        String n = entries.nextElement().getName();
        String prefix = PACKAGE.replace('.', '/');
        if (n.startsWith(prefix) && n.endsWith("Bench.class") && n.indexOf('/', prefix.length()) < 0
            && !n.contains("$") && !n.contains("_jmh")) {
          names.add(kebabName(n.substring(prefix.length(), n.length() - ".class".length())));
        }
      }
    }
    names.sort(null);
    return names;
  }
}
