package io.mesh4j.examples.spring.users;

import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /users/{id}}: a made-up user, and a count of the requests this instance served. */
@RestController
public class UsersController {
  private final AtomicLong served = new AtomicLong();
  private final Environment environment;

  /** Reads the web server's actual port from the environment when it answers. */
  public UsersController(Environment environment) {
    this.environment = environment;
  }

  /** The user {@code id}, named after it, with the instance that served it. */
  @GetMapping("/users/{id}")
  public User user(@PathVariable("id") String id) {
    served.incrementAndGet();
    return new User(id, "User " + id, "127.0.0.1:" + environment.getProperty("local.server.port"));
  }

  /** Requests of {@code /users/{id}} this instance has served. */
  public long served() {
    return served.get();
  }
}
