/**
 * Runnable programs. {@link io.mesh4j.examples.ServicesHealth} brings up (or reaches) Consul and
 * a Redis Cluster and prints their health; the quickstart demo, the API gateway and the
 * standalone cache example come with the mesh-examples issue.
 */
package io.mesh4j.examples;
