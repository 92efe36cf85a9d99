package io.mesh4j.examples.spring.caller;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/** Users, from the cache "users" (L1 Caffeine + L2 Redis Cluster), else from the user-service. */
@Service
public class UserDirectory {
  private final UsersClient users;

  /** Reads missing users through {@code users}. */
  public UserDirectory(UsersClient users) {
    this.users = users;
  }

  /** The user {@code id}; one load across every caller JVM when it is missing ({@code sync = true}). */
  @Cacheable(cacheNames = "users", sync = true)
  public User find(String id) {
    return users.user(id);
  }

  /** Forgets the user {@code id} in Redis and in every caller's L1. */
  @CacheEvict(cacheNames = "users")
  public void forget(String id) {}
}
