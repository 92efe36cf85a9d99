/**
 * Benchmarks, each a class named {@code <Name>Bench} with a {@code main}, run by
 * {@code scripts/bench.sh name} (kebab case: {@code retry-amplification} runs
 * {@code RetryAmplificationBench}). Each prints, last, a line {@code RESULT name=value unit}.
 * Ratios are measured against the raw library in the same run.
 */
package io.mesh4j.benchmarks;
