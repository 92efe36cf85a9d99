package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Credentials without a backend: which characters a value may hold (and that a refusal never shows
 * it), and which provider a service's attempt uses, over https or cleartext.
 */
@Timeout(10)
class CredentialsTest {
  private static final ServiceInstance PLAIN = ServiceInstance.newBuilder().serviceName("own").host("127.0.0.1")
      .port(8080).build();

  @Test
  void aValueMayHoldVisibleAsciiSpaceAndTabOnly() {
    assertEquals("a b\tc~!", Credential.header("X-Key", "a b\tc~!").value());
    assertEquals("X-Key", Credential.header("X-Key", "v").headerName());
    Credential bearer = Credential.bearer("t0k");
    assertEquals("Authorization", bearer.headerName());
    assertEquals("Bearer t0k", bearer.value());
    assertEquals("Credential{Authorization: <redacted>}", bearer.toString());
    for (char bad : new char[] {'\u001f', '\u007f', '\n', '\u00e9'}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Credential.header("X-Key", "secret" + bad));
      assertTrue(e.getMessage().contains("(0x" + Integer.toHexString(bad) + ") at index 6"), e.getMessage());
      assertTrue(e.getMessage().contains("X-Key"), e.getMessage());
      assertFalse(e.getMessage().contains("secret"), "the value is never shown");
    }
    assertThrows(IllegalArgumentException.class, () -> Credential.bearer("a\u0000b"));
  }

  @Test
  void providersBuildTheirCredentialOnEachCall() {
    int[] n = {0};
    CredentialsProvider bearer = CredentialsProvider.bearer(() -> "t" + ++n[0]);
    assertEquals("Bearer t1", bearer.credential().value());
    assertEquals("Bearer t2", bearer.credential().value());
    Credential key = CredentialsProvider.apiKey("X-Api-Key", () -> "k").credential();
    assertEquals("X-Api-Key", key.headerName());
    assertEquals("k", key.value());
  }

  @Test
  void aServicesOwnProviderWinsAndCleartextIsRefusedUnlessAllowedForIt() {
    CredentialsProvider all = () -> Credential.bearer("all");
    CredentialsProvider own = () -> Credential.bearer("own");
    Map<String, ServiceSettings> services = new LinkedHashMap<>();
    services.put("own", new ServiceSettings().credentials(own));
    services.put("open", new ServiceSettings().allowCleartextCredentials(true));
    ServiceCredentials c = new ServiceCredentials(all, services);
    assertSame(own, c.of("own"));
    assertSame(all, c.of("open"));
    assertSame(all, c.of("other"));
    assertEquals("Bearer own", c.forAttempt("own", PLAIN, true).value());
    CleartextCredentialsException e = assertThrows(CleartextCredentialsException.class,
        () -> c.forAttempt("own", PLAIN, false));
    assertEquals(PLAIN.id(), e.instanceId());
    assertTrue(e.getMessage().contains("allowCleartextCredentials"), e.getMessage());
    assertEquals("Bearer all", c.forAttempt("open", PLAIN, false).value(), "allowed for this service");
    assertThrows(CleartextCredentialsException.class, () -> c.forAttempt("other", PLAIN, false));

    ServiceCredentials none = new ServiceCredentials(null, Map.of("open", new ServiceSettings()));
    assertNull(none.forAttempt("open", PLAIN, false), "no credentials: nothing to protect");
  }
}
