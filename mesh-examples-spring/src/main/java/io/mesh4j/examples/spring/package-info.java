/**
 * The Spring Boot example: {@link io.mesh4j.examples.spring.users the user-service} and
 * {@link io.mesh4j.examples.spring.caller its caller}, two applications on mesh-spring-boot-starter,
 * and {@link io.mesh4j.examples.spring.SpringExample} that runs both on the services
 * {@code scripts/demo.sh} brings up ({@code scripts/spring-example.sh}).
 */
package io.mesh4j.examples.spring;
