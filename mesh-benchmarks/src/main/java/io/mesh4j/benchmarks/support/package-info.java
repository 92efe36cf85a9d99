/** Pieces the benchmarks share: a loopback HTTP backend and a fixed-duration throughput loop. */
package io.mesh4j.benchmarks.support;
