package io.mesh4j.examples.spring.users;

/**
 * A user as the user-service returns it.
 *
 * @param id the user's id
 * @param name the user's name
 * @param servedBy the instance that answered ({@code host:port}), to see the mesh's choices
 */
public record User(String id, String name, String servedBy) {}
