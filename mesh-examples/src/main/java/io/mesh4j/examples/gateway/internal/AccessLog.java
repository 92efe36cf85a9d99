package io.mesh4j.examples.gateway.internal;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * The gateway's access log: one {@code key=value} line per request, escaped so that no client
 * input can forge a line, handed to a sink whose failures never reach the request. Thread safe
 * if the sink is.
 */
final class AccessLog {
  private final Consumer<String> sink;

  AccessLog(Consumer<String> sink) {
    this.sink = sink;
  }

  /** Writes {@code call}'s line; a sink that throws is ignored. */
  void write(GatewayCall call, long nanos) {
    StringBuilder b = new StringBuilder(160);
    b.append("method=").append(printable(call.method))
        .append(" path=").append(printable(call.rawPath))
        .append(" status=").append(call.status)
        .append(" duration_ms=").append(String.format(Locale.ROOT, "%.1f", nanos / 1e6))
        .append(" request_id=").append(call.requestId);
    if (call.route != null) {
      b.append(" route=").append(call.route);
    }
    if (call.client != null) {
      b.append(" client=").append(printable(call.client));
    }
    if (call.cache != null) {
      b.append(" cache=").append(call.cache);
    }
    if (call.authFailure != null) {
      b.append(" auth=\"").append(printable(call.authFailure, true)).append('"');
    }
    if (call.failure != null) {
      b.append(" failure=").append(call.failure);
    }
    try {
      sink.accept(b.toString());
    } catch (RuntimeException e) {
      // A broken log sink must not break the gateway.
    }
  }

  /** Printable ASCII only (no log forging with CR/LF, no spaces); the rest percent-escaped. */
  static String printable(String s) {
    return printable(s, false);
  }

  /** As above; {@code spaces} keeps spaces (for quoted values). */
  static String printable(String s, boolean spaces) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c > 32 || (spaces && c == ' ')) && c < 127 && c != '"';
      if (!ok && b == null) {
        b = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (b != null) {
        if (ok) {
          b.append(c);
        } else {
          b.append('%').append(String.format("%02X", (int) c & 0xFF));
        }
      }
    }
    return b == null ? s : b.toString();
  }
}
