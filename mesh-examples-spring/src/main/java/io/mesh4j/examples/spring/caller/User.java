package io.mesh4j.examples.spring.caller;

/**
 * A user as the caller reads it (its own type: the two applications share no code). Cached as JSON
 * bound to this type ({@code mesh4j.cache.namespaces.users.value-type}).
 *
 * @param id the user's id
 * @param name the user's name
 * @param servedBy the user-service instance that answered
 */
public record User(String id, String name, String servedBy) {}
