package io.mesh4j.micrometer;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.micrometer.internal.BoundedMemo;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.okhttp3.OkHttpContext;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The meters of mesh4j's call and attempt Observations, the same ones Micrometer's
 * {@link DefaultMeterObservationHandler} makes (a timer named after the Observation with its
 * low-cardinality tags and {@code error}, a long task timer {@code <name>.active}, a counter per
 * event) at a fraction of its cost: the default handler registers, and so looks up, a long task
 * timer at every start and a timer at every stop, converting and sorting the tags each time, which
 * was the largest single cost of an observed call in {@code client-overhead-observed}. This one
 * keeps the meters it has looked up, per name and tag set (bounded; dropped when a meter is removed
 * from the registry).
 *
 * <p>It handles only mesh4j's Observations ({@link #supportsContext}); put it first in a
 * first-matching group of meter handlers so that the default handler takes every other one:
 *
 * <pre>{@code
 * observationRegistry.observationConfig().observationHandler(
 *     new ObservationHandler.FirstMatchingCompositeObservationHandler(
 *         new MeshMeterObservationHandler(meterRegistry),
 *         new DefaultMeterObservationHandler(meterRegistry)));
 * }</pre>
 *
 * (Spring Boot groups every {@link MeterObservationHandler} bean this way; mesh4j's
 * auto-configuration declares this one first.) Registered beside the default handler rather than
 * before it in a group, mesh4j's meters would be recorded twice. Thread safe.
 */
public final class MeshMeterObservationHandler implements MeterObservationHandler<Observation.Context> {
  /** Distinct tag sets whose meters are kept; past it, meters are looked up per Observation again. */
  static final int MAX_KEPT_METERS = 4096;

  private final MeterRegistry registry;
  private final boolean longTaskTimers;
  private final BoundedMemo<MeterKey, Timer> timers = new BoundedMemo<>(MAX_KEPT_METERS);
  private final BoundedMemo<MeterKey, LongTaskTimer> active = new BoundedMemo<>(MAX_KEPT_METERS);
  private final Function<MeterKey, Timer> findTimer = this::timer;
  private final Function<MeterKey, LongTaskTimer> findLongTaskTimer = this::longTaskTimer;

  /** The meters of mesh4j's Observations on {@code registry}, long task timers included. */
  public MeshMeterObservationHandler(MeterRegistry registry) {
    this(registry, true);
  }

  /**
   * The meters of mesh4j's Observations on {@code registry}; without the {@code <name>.active}
   * long task timers when {@code longTaskTimers} is false (as the default handler's
   * {@link DefaultMeterObservationHandler.IgnoredMeters#LONG_TASK_TIMER}, Spring Boot's
   * {@code management.observations.long-task-timer.enabled=false}).
   */
  public MeshMeterObservationHandler(MeterRegistry registry, boolean longTaskTimers) {
    this.registry = Checks.notNull(registry, "meterRegistry");
    this.longTaskTimers = longTaskTimers;
    registry.config().onMeterRemoved(meter -> {
      timers.clear();
      active.clear();
    });
  }

  /** mesh4j's call Observations and the attempt Observations of its calls. */
  @Override
  public boolean supportsContext(Observation.Context context) {
    return context instanceof MeshCallContext
        || context instanceof OkHttpContext && isMeshAttempt((OkHttpContext) context);
  }

  private static boolean isMeshAttempt(OkHttpContext context) {
    okhttp3.Request request = context.getOriginalRequest();
    return request != null && request.tag(MeshAttempt.class) != null;
  }

  @Override
  public void onStart(Observation.Context context) {
    if (longTaskTimers) {
      LongTaskTimer timer = active.get(new MeterKey(context.getName(), context.getLowCardinalityKeyValues(), null),
          findLongTaskTimer);
      context.put(LongTaskTimer.Sample.class, timer.start());
    }
    context.put(Timer.Sample.class, Timer.start(registry));
  }

  @Override
  public void onStop(Observation.Context context) {
    Timer timer = timers.get(new MeterKey(context.getName(), context.getLowCardinalityKeyValues(),
        errorValue(context)), findTimer);
    Timer.Sample sample = context.getRequired(Timer.Sample.class);
    sample.stop(timer);
    if (longTaskTimers) {
      LongTaskTimer.Sample activeSample = context.getRequired(LongTaskTimer.Sample.class);
      activeSample.stop();
    }
  }

  @Override
  public void onEvent(Observation.Event event, Observation.Context context) {
    registry.counter(context.getName() + "." + event.getName(), tags(context.getLowCardinalityKeyValues(), null))
        .increment();
  }

  private Timer timer(MeterKey key) {
    return registry.timer(key.name, tags(key.tags, key.error));
  }

  private LongTaskTimer longTaskTimer(MeterKey key) {
    return registry.more().longTaskTimer(key.name + ".active", tags(key.tags, null));
  }

  private static Tags tags(KeyValues keyValues, String error) {
    List<Tag> tags = new ArrayList<>();
    for (KeyValue kv : keyValues) {
      tags.add(Tag.of(kv.getKey(), kv.getValue()));
    }
    if (error != null) {
      tags.add(Tag.of("error", error));
    }
    return Tags.of(tags);
  }

  private static String errorValue(Observation.Context context) {
    Throwable error = context.getError();
    return error != null ? error.getClass().getSimpleName() : "none";
  }

  /** A meter's name, tag set and (for timers) error value. */
  private record MeterKey(String name, KeyValues tags, String error) {}
}
