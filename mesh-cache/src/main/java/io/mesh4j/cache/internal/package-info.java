/**
 * The implementation of mesh-cache: the Jedis cluster connection, the Jackson codec, the value
 * envelope, {@code DistributedCache} and {@code TwoLevelCache}. Not an API: anything here may change
 * in any release.
 */
package io.mesh4j.cache.internal;
