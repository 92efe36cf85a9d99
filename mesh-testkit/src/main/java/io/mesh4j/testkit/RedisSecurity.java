package io.mesh4j.testkit;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * How a cluster asks clients to prove themselves, as set on {@link RedisCluster.Builder}: a
 * password or ACL users, TLS. Turns that into {@code redis-server} arguments and says which
 * credentials the testkit's own commands use. Immutable.
 */
final class RedisSecurity {
  /** The testkit's own user where the application user may not do everything. */
  static final String ADMIN_USER = "mesh4j-admin";
  private static final String ALL = "~* &* +@all";

  /** An ACL user: name, password and rules (whitespace-separated, as after {@code ACL SETUSER name}). */
  record AclUser(String name, String password, String rules) {}

  /** No authentication, no TLS. */
  static final RedisSecurity NONE = new RedisSecurity(null, null, List.of(), false, false, RedisTls.NODE_NAMES);

  /** The application's user (null: the default user) and password (null: none). */
  private final String user;
  private final String password;
  /** Every ACL user to create, the application's first; empty for none. */
  private final List<AclUser> aclUsers;
  private final String adminUser;
  private final String adminPassword;
  private final boolean tls;
  private final boolean clientCertificatesRequired;
  private final List<String> nodeNames;

  RedisSecurity(String user, String password, List<AclUser> aclUsers, boolean tls,
      boolean clientCertificatesRequired, List<String> nodeNames) {
    this.nodeNames = List.copyOf(nodeNames);
    this.user = user;
    this.password = password;
    this.aclUsers = List.copyOf(aclUsers);
    this.tls = tls;
    this.clientCertificatesRequired = clientCertificatesRequired;
    boolean appDoesAll = aclUsers.size() == 1 && ALL.equals(aclUsers.get(0).rules());
    if (aclUsers.isEmpty() || appDoesAll) {
      // The default user with requirepass, or an application user allowed everything: use theirs.
      this.adminUser = user;
      this.adminPassword = password;
    } else {
      byte[] b = new byte[12];
      new SecureRandom().nextBytes(b);
      this.adminUser = ADMIN_USER;
      this.adminPassword = "admin-" + HexFormat.of().formatHex(b);
    }
  }

  static String allRules() {
    return ALL;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  /** The user the testkit authenticates as (null: the default user). */
  String adminUser() {
    return adminUser;
  }

  /** The password the testkit authenticates with (null: none). Never logged. */
  String adminPassword() {
    return adminPassword;
  }

  boolean tls() {
    return tls;
  }

  boolean clientCertificatesRequired() {
    return clientCertificatesRequired;
  }

  /** The TLS material for a cluster in {@code dir}, or null without TLS. */
  RedisTls makeTls(Path dir) {
    return tls ? RedisTls.create(dir, clientCertificatesRequired, nodeNames) : null;
  }

  /** The socket factory of the testkit's own connections, or null for plain ones. */
  static SSLSocketFactory socketFactory(RedisTls tls) {
    return tls == null ? null : tls.socketFactory();
  }

  /** The authentication and TLS arguments of one node serving on {@code port}. */
  List<String> nodeArgs(int port, RedisTls material) {
    List<String> args = new ArrayList<>();
    if (material != null) {
      args.addAll(material.serverArgs(port));
    } else {
      args.addAll(List.of("--port", String.valueOf(port)));
    }
    if (!aclUsers.isEmpty()) {
      // No anonymous access: the default user is switched off. Replicas authenticate as the admin.
      for (AclUser u : aclUsers) {
        args.add("--user");
        args.addAll(List.of(u.name(), "reset", "on", ">" + u.password()));
        args.addAll(List.of(u.rules().trim().split("\\s+")));
      }
      if (ADMIN_USER.equals(adminUser)) {
        args.addAll(List.of("--user", ADMIN_USER, "reset", "on", ">" + adminPassword));
        args.addAll(List.of(ALL.split(" ")));
      }
      args.addAll(List.of("--user", "default", "off", "--masteruser", adminUser, "--masterauth", adminPassword));
    } else if (password != null) {
      args.addAll(List.of("--requirepass", password, "--masterauth", password));
    }
    return args;
  }

  /** ", ACL user app, TLS" and the like, for toString; no secret. */
  String describe() {
    String auth = user != null ? ", ACL user " + user : password != null ? ", requirepass" : "";
    return auth + (tls ? ", TLS" + (clientCertificatesRequired ? " with client certificates" : "") : "");
  }

  static String checkRules(String rules) {
    if (rules == null || rules.isBlank()) {
      throw new IllegalArgumentException("rules must be non-blank ACL rules, e.g. \"~* &* +@read\"");
    }
    return rules;
  }

  static String checkSecret(String value, String name) {
    if (value == null || value.isEmpty() || value.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(name + " must be non-blank and hold no whitespace (it goes into a"
          + " redis-server config line)");
    }
    return value;
  }
}
