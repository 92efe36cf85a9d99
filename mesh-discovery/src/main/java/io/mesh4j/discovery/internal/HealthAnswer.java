package io.mesh4j.discovery.internal;

import java.math.BigInteger;
import java.util.List;

/**
 * One answer of {@code /v1/health/service/<name>}: its entries and the headers a watch needs.
 *
 * @param entries the entries, or null when Consul's body was JSON {@code null}
 * @param index {@code X-Consul-Index}, or null when absent
 * @param knownLeader {@code X-Consul-KnownLeader: true}
 * @param lastContactMillis {@code X-Consul-LastContact}, 0 when absent or unreadable
 */
record HealthAnswer(List<HealthEntry> entries, BigInteger index, boolean knownLeader, long lastContactMillis) {}
