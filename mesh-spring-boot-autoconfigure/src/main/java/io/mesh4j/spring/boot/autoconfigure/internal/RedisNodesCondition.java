package io.mesh4j.spring.boot.autoconfigure.internal;

import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Condition;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code mesh4j.redis.nodes} holds at least one node, written either as a
 * comma-separated value or as a YAML list (which {@code @ConditionalOnProperty} does not see).
 * Used with {@link Conditional}.
 */
public final class RedisNodesCondition implements Condition {
  @Override
  public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
    return Binder.get(context.getEnvironment())
        .bind("mesh4j.redis.nodes", Bindable.listOf(String.class))
        .map(nodes -> !nodes.isEmpty())
        .orElse(false);
  }
}
