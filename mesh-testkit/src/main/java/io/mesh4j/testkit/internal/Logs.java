package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the end of a server's log for error messages. */
public final class Logs {
  private Logs() {}

  /** The last {@code lines} lines of {@code file}, or a note that there is none. */
  public static String tail(Path file, int lines) {
    try {
      if (file == null || !Files.exists(file)) {
        return "(no log)";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(log unreadable: " + e + ")";
    }
  }
}
