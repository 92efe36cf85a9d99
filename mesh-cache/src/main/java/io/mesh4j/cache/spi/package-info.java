/**
 * The one package of mesh-cache whose signatures name Jedis types: adapters for users who already
 * hold a Jedis cluster client and want mesh4j caches to share it. It moves with the Jedis major
 * version; everything else in mesh-cache is independent of it.
 */
package io.mesh4j.cache.spi;
