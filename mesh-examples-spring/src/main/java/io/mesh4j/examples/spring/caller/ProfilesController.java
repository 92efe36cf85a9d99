package io.mesh4j.examples.spring.caller;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /profiles/{id}} answers from {@link UserDirectory}; {@code DELETE} evicts the user. */
@RestController
public class ProfilesController {
  private final UserDirectory directory;

  /** Serves from {@code directory}. */
  public ProfilesController(UserDirectory directory) {
    this.directory = directory;
  }

  /** The user {@code id}, cached or fetched through the mesh. */
  @GetMapping("/profiles/{id}")
  public User profile(@PathVariable("id") String id) {
    return directory.find(id);
  }

  /** Evicts the user {@code id} from every caller's cache. */
  @DeleteMapping("/profiles/{id}")
  public ResponseEntity<Void> forget(@PathVariable("id") String id) {
    directory.forget(id);
    return ResponseEntity.noContent().build();
  }
}
