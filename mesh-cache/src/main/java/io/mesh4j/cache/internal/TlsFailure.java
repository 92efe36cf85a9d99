package io.mesh4j.cache.internal;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A failed TLS handshake in words a user can act on: what went wrong as far as the JVM tells, and
 * what to check. Reads the JVM's own wording (its messages name classes, which are not repeated).
 */
final class TlsFailure {
  static final String CLOSED_PLAIN = "connection closed by the node before it answered: a node that serves TLS"
      + " only hangs up on plain text (use rediss:// seeds or tls() and a trust store), as does one at its"
      + " maxclients limit";
  static final String CLOSED_DURING_TLS = "TLS failed: the node hung up after the handshake; check that it"
      + " accepts the client certificate (tlsKeyStore, signed by a CA the nodes trust) when it requires one"
      + " (tls-auth-clients yes)";
  private static final int MAX_DEPTH = 8;

  private TlsFailure() {}

  /** "TLS failed: {what}; check {what to check}". */
  static String describe(Throwable t) {
    StringBuilder all = new StringBuilder();
    boolean untrusted = false;
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null && seen.size() < MAX_DEPTH;
        c = c.getCause()) {
      all.append(' ').append(c.getMessage());
      untrusted |= c instanceof CertPathBuilderException || c instanceof CertPathValidatorException;
    }
    String m = all.toString().toLowerCase(Locale.ROOT);
    if (m.contains("no subject alternative") || m.contains("no name matching")) {
      return "TLS failed: the node's certificate does not name the host connected to; check that the seed"
          + " hosts and the addresses the cluster announces are in its subject alternative names";
    }
    if (untrusted || m.contains("pkix") || m.contains("certification path") || t instanceof CertificateException) {
      return "TLS failed: the node's certificate is not signed by a CA this client trusts; check that"
          + " tlsTrustStore holds the CA that signed the nodes' certificates, and that they have not expired";
    }
    if (m.contains("certificate_required") || m.contains("bad_certificate") || m.contains("unknown_ca")
        || m.contains("certificate_unknown")) {
      return "TLS failed: the node refused this client's certificate or its absence; check tlsKeyStore (a"
          + " certificate signed by a CA the nodes trust, with its key)";
    }
    if (m.contains("unrecognized ssl message") || m.contains("plaintext connection")) {
      return "TLS failed: the node answered in plain text; check that it serves TLS on this port (tls-port),"
          + " or connect without TLS";
    }
    return "TLS failed: the handshake with the node failed; check the trust store, the client certificate and"
        + " the TLS versions the nodes accept";
  }
}
