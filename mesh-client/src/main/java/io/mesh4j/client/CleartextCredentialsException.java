package io.mesh4j.client;

import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;

/**
 * An attempt would have sent a service's credentials over cleartext http: it was not sent. The
 * message names the service, the instance and the settings that fix it, never the credential.
 * Not retried (another instance of the same registration source is most likely no different).
 */
public class CleartextCredentialsException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final String instanceId;

  /** For an attempt of {@code serviceName} on {@code instance}, which would have gone over http. */
  public CleartextCredentialsException(String serviceName, ServiceInstance instance) {
    super(serviceName, "service '" + serviceName + "' has credentials, and instance " + instance.id() + " ("
        + instance.host() + ":" + instance.port() + ") would be reached over cleartext http: nothing was sent. "
        + "Reach the service over https (service(\"" + serviceName + "\", s -> s.requireTls(true)) or s.tls(...), "
        + "or register the instance as secure), or allow cleartext credentials for this service only with "
        + "service(\"" + serviceName + "\", s -> s.allowCleartextCredentials(true))");
    this.instanceId = instance.id();
  }

  /** The id of the instance the attempt was for. */
  public String instanceId() {
    return instanceId;
  }
}
