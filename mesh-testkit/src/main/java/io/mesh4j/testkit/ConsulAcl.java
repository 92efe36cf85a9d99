package io.mesh4j.testkit;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ACL side of an agent started with {@link ConsulAgent#startWithAcl()}: ACLs enabled, default
 * policy {@code deny}, a master (bootstrap) token, and a token created through the real ACL API
 * ({@code PUT /v1/acl/policy}, {@code PUT /v1/acl/token}) whose policy lets tests register,
 * heartbeat, deregister and discover services named {@value #SERVICE_PREFIX}{@code *}:
 *
 * <pre>
 * service_prefix "mesh4j-acl-" { policy = "write" }
 * node_prefix "" { policy = "read" }
 * </pre>
 *
 * <p>Without a token, Consul answers as the anonymous token, which may do nothing here: writes
 * are refused with 403 "Permission denied", reads are filtered (a health query lists nothing). An
 * unknown token is refused with 403 "ACL not found". Tokens are random UUIDs made per agent; they
 * survive {@link ConsulAgent#restart()} (the agent forgets everything, so the testkit creates them
 * again with the same secrets). Thread safe.
 */
public final class ConsulAcl {
  /** Services whose names start with this are writable with {@link #serviceToken()}. */
  public static final String SERVICE_PREFIX = "mesh4j-acl-";

  /** The rules of {@link #serviceToken()}'s policy. */
  public static final String SERVICE_RULES = "service_prefix \"" + SERVICE_PREFIX + "\" { policy = \"write\" }\n"
      + "node_prefix \"\" { policy = \"read\" }\n";

  private static final Duration BOOTSTRAP_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern ACCESSOR = Pattern.compile("\"AccessorID\"\\s*:\\s*\"([0-9a-fA-F-]+)\"");

  private final String masterToken = UUID.randomUUID().toString();
  private final String serviceToken = UUID.randomUUID().toString();
  private volatile ConsulHttp http;

  ConsulAcl() {}

  /** The agent's configuration for these ACLs (HCL). */
  String config() {
    return "acl {\n"
        + "  enabled = true\n"
        + "  default_policy = \"deny\"\n"
        + "  down_policy = \"deny\"\n"
        + "  enable_token_persistence = false\n"
        + "  tokens {\n"
        + "    master = \"" + masterToken + "\"\n"
        + "    agent = \"" + masterToken + "\"\n"
        + "  }\n"
        + "}\n";
  }

  /**
   * Creates the service token's policy and the token on a freshly started agent. The leader
   * creates the master token a moment after its election, so the first request is retried until
   * it is accepted.
   */
  void install(ConsulHttp http) {
    this.http = http;
    long deadline = System.nanoTime() + BOOTSTRAP_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send("GET", "/v1/acl/token/self", null, masterToken);
        if (r.statusCode() == 200) {
          createToken(serviceToken, "mesh4j test services", SERVICE_RULES);
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while bootstrapping ACLs", e);
      }
      ConsulAgent.sleep(100);
    }
    throw new IllegalStateException("the master token was not accepted within " + BOOTSTRAP_TIMEOUT + " (last: " + last + ")");
  }

  /** The master (bootstrap) token: a management token that may do anything. */
  public String masterToken() {
    return masterToken;
  }

  /** A token with {@link #SERVICE_RULES}: write on services named {@value #SERVICE_PREFIX}{@code *}, read on nodes. */
  public String serviceToken() {
    return serviceToken;
  }

  /**
   * Creates a policy with {@code rules} (Consul's HCL rule language) and a token holding only
   * that policy, through the ACL API with the master token. Tokens made this way are lost when the
   * agent restarts.
   *
   * @return the new token's secret
   */
  public String createToken(String description, String rules) {
    return createToken(UUID.randomUUID().toString(), description, rules);
  }

  private String createToken(String secret, String description, String rules) {
    ConsulHttp h = http;
    if (h == null) {
      throw new IllegalStateException("the agent has not started");
    }
    String policy = "mesh4j-test-" + UUID.randomUUID();
    put(h, "/v1/acl/policy", "{\"Name\":" + ConsulHttp.json(policy) + ",\"Rules\":" + ConsulHttp.json(rules) + "}");
    put(h, "/v1/acl/token", "{\"SecretID\":" + ConsulHttp.json(secret) + ",\"Description\":" + ConsulHttp.json(description)
        + ",\"Policies\":[{\"Name\":" + ConsulHttp.json(policy) + "}],\"Local\":false}");
    return secret;
  }

  /**
   * Deletes the token whose secret is {@code secret} through the ACL API (a revoked token, as an
   * operator would revoke it): from then on Consul answers it 403 "ACL not found".
   */
  public void deleteToken(String secret) {
    ConsulHttp h = http;
    if (h == null) {
      throw new IllegalStateException("the agent has not started");
    }
    try {
      HttpResponse<String> self = h.send("GET", "/v1/acl/token/self", null, secret);
      Matcher m = ACCESSOR.matcher(self.body());
      if (self.statusCode() != 200 || !m.find()) {
        throw new IllegalStateException("no such token (GET /v1/acl/token/self answered " + self.statusCode() + ")");
      }
      HttpResponse<String> r = h.send("DELETE", "/v1/acl/token/" + m.group(1), null, masterToken);
      if (r.statusCode() != 200) {
        throw new IllegalStateException("DELETE /v1/acl/token answered " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("deleting a token failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void put(ConsulHttp h, String path, String body) {
    try {
      HttpResponse<String> r = h.send("PUT", path, body, masterToken);
      if (r.statusCode() != 200) {
        throw new IllegalStateException("PUT " + path + " answered " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("PUT " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "ConsulAcl{default deny, tokens redacted}";
  }
}
