package io.mesh4j.resilience;

import io.mesh4j.api.ServiceInstance;
import java.util.concurrent.CompletionStage;

/**
 * One attempt of an async call, on the instance the executor chose. It must not block: it starts
 * the work and returns a stage the work completes. When the call is cancelled or the attempt
 * times out, the executor cancels {@code stage.toCompletableFuture()}; complete a
 * {@link java.util.concurrent.CompletableFuture} whose cancellation stops the work (OkHttp:
 * {@code call.cancel()}).
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface AsyncAttempt<T> {
  /** Starts an attempt on {@code instance}; a synchronous throw counts as a failed attempt. */
  CompletionStage<T> call(ServiceInstance instance, AttemptContext context);
}
