package io.mesh4j.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags a call Observation. Implement it (or extend
 * {@link DefaultMeshCallObservationConvention}) and give it to
 * {@link MeshObservations.Builder#callConvention} to rename anything, as in Spring.
 */
public interface MeshCallObservationConvention extends ObservationConvention<MeshCallContext> {
  @Override
  default boolean supportsContext(Observation.Context context) {
    return context instanceof MeshCallContext;
  }
}
