package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;

/** The application's {@link MeshEventListener} beans as one listener. */
public final class Listeners {
  private Listeners() {}

  /** One listener calling all of them in order, or null when there are none. */
  public static MeshEventListener combine(ObjectProvider<MeshEventListener> provider) {
    List<MeshEventListener> all = provider.orderedStream().toList();
    if (all.isEmpty()) {
      return null;
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    return new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        for (MeshEventListener l : all) {
          l.onEvent(event);
        }
      }
    };
  }
}
