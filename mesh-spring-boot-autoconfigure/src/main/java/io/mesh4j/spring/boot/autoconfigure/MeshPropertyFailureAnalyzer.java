package io.mesh4j.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an {@link InvalidMeshPropertyException} as which property, why, and what it accepts. */
public final class MeshPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidMeshPropertyException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidMeshPropertyException cause) {
    Throwable why = cause.getCause();
    String description = "The mesh4j property '" + cause.property() + "' has an invalid value: "
        + cause.shownValue()
        + (why == null || why.getMessage() == null ? "" : "\n\nReason: " + why.getMessage());
    String action = "Set '" + cause.property() + "' to an accepted value: " + cause.accepted()
        + ", or remove it to use the default.";
    return new FailureAnalysis(description, action, cause);
  }
}
