package io.mesh4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.examples.gateway.internal.PathPattern;
import io.mesh4j.examples.gateway.internal.RouteTable;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Path patterns and the route table: most specific wins, 405 lists what the path allows. */
class RouteTableTest {
  static final RouteTable<String> TABLE = RouteTable.<String>builder()
      .add("/users/{id}", Set.of("GET"), "user")
      .add("/users/me", Set.of("GET"), "me")
      .add("/users/{id}", Set.of("DELETE", "PUT"), "user-write")
      .add("/users/*/orders", Set.of("GET"), "orders")
      .add("/users/**", Set.of("GET"), "users-any")
      .add("/**", Set.of("GET"), "fallback")
      .add("/", Set.of("POST"), "root")
      .add("/static/**", Set.of("GET"), "static")
      .build();

  static String find(String method, String path) {
    return TABLE.find(method, PathPattern.split(path)).route();
  }

  @Test
  void mostSpecificWins() {
    assertEquals("me", find("GET", "/users/me"), "a literal beats {id}");
    assertEquals("user", find("GET", "/users/42"), "{id} beats **");
    assertEquals("orders", find("GET", "/users/42/orders"));
    assertEquals("users-any", find("GET", "/users/42/orders/7"));
    assertEquals("users-any", find("GET", "/users"), "** matches zero segments");
    assertEquals("static", find("GET", "/static/css/site.css"));
    assertEquals("fallback", find("GET", "/anything/else"));
    assertEquals("root", find("POST", "/"));
    assertEquals("user-write", find("PUT", "/users/42"));
  }

  @Test
  void wrongMethodListsWhatThePathAllows() {
    RouteTable.Lookup<String> l = TABLE.find("POST", PathPattern.split("/users/42"));
    assertNull(l.route());
    assertEquals(List.of("DELETE", "GET", "PUT"), List.copyOf(l.allowed()));
    RouteTable<String> narrow = RouteTable.<String>builder().add("/a/{x}", Set.of("GET"), "a").build();
    assertTrue(narrow.find("GET", PathPattern.split("/b")).allowed().isEmpty(), "no route at all: a 404");
    assertNull(narrow.find("GET", PathPattern.split("/a/")).route(), "{x} does not match an empty segment");
  }

  @Test
  void patternShapesAndErrors() {
    assertEquals("/users/{}/**", PathPattern.parse("/users/{id}/**").shape());
    assertEquals(PathPattern.parse("/a/*").shape(), PathPattern.parse("/a/{b}").shape());
    assertEquals(1, PathPattern.parse("/api/users/{id}").literalPrefixLength("/api"));
    assertEquals(-1, PathPattern.parse("/{v}/users").literalPrefixLength("/api"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PathPattern.parse("/a/{id}/{id}"));
    assertEquals("parameter {id} appears twice", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PathPattern.parse("/a//b"));
    assertEquals("has an empty segment ('//' or a trailing '/')", e.getMessage());
  }
}
