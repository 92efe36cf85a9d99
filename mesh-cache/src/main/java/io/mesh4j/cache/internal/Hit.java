package io.mesh4j.cache.internal;

/**
 * A decoded entry: the value, when it expires (wall clock, ms) and how long its load took (δ of
 * XFetch, ms).
 */
record Hit<V>(V value, long expiresAtMillis, long deltaMillis) {}
