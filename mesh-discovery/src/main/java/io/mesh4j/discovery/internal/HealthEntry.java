package io.mesh4j.discovery.internal;

import java.util.List;
import java.util.Map;

/**
 * The fields of one {@code /v1/health/service/<name>} entry that become a
 * {@link io.mesh4j.api.ServiceInstance}, and nothing else: what {@link HealthAnswerParser} reads.
 *
 * @param id {@code Service.ID}, or null when absent
 * @param serviceAddress {@code Service.Address}, or null
 * @param nodeAddress {@code Node.Address}, or null
 * @param port {@code Service.Port}, 0 when absent
 * @param tags {@code Service.Tags} in Consul's order; empty when absent or null
 * @param meta {@code Service.Meta}; empty when absent or null
 */
record HealthEntry(String id, String serviceAddress, String nodeAddress, int port, List<String> tags,
    Map<String, String> meta) {}
