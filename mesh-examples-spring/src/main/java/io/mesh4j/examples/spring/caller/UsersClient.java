package io.mesh4j.examples.spring.caller;

import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;

/** The user-service as the caller sees it: an interface; the mesh picks the instance of each attempt. */
@HttpExchange("/users")
public interface UsersClient {
  /** {@code GET /users/{id}} on an instance of the user-service. */
  @GetExchange("/{id}")
  User user(@PathVariable("id") String id);
}
