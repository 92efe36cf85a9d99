/** Tests of mesh-resilience's public API, with WireMock backends and a fake ticker. */
package io.mesh4j.resilience;
