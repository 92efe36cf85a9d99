package io.mesh4j.testkit;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * What the Consul and Redis extensions share: a service taken shared or private, started before
 * the class's tests, a private one closed after them, and resolved as a parameter.
 */
abstract class ServiceExtension<T extends AutoCloseable>
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private final Class<T> type;
  private final Supplier<T> starter;
  private final boolean privateService;
  private T service;

  ServiceExtension(Class<T> type, Supplier<T> shared, Supplier<T> startPrivate, boolean privateService) {
    this.type = type;
    this.starter = privateService ? startPrivate : shared;
    this.privateService = privateService;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    service();
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) throws Exception {
    if (privateService && service != null) {
      service.close();
      service = null;
    }
  }

  synchronized T service() {
    if (service == null) {
      service = starter.get();
    }
    return service;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == type;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return service();
  }
}
