package io.mesh4j.client;

import io.mesh4j.api.MeshException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Waits for an async call on behalf of a sync caller, rethrowing its failure as the sync path would. */
final class HedgedWait {
  private HedgedWait() {}

  static <T> T await(CompletableFuture<T> call, String serviceName) {
    try {
      return call.get();
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new MeshException(serviceName, "call to service '" + serviceName + "' interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new MeshException(serviceName, "call to service '" + serviceName + "' failed: " + cause, cause);
    }
  }
}
