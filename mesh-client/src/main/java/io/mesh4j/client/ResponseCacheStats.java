package io.mesh4j.client;

/**
 * What the client's response cache did since the client was built, all services together (see
 * {@link ServiceMeshClient.Builder#responseCache}); all 0 without a response cache. The storage's
 * own counters (its {@code stats()}) count reads and writes; these count answers: a stored entry
 * for another value of a header the origin varies on is a storage hit but {@link #varyMismatches()}
 * here, and an answer the rules kept out of the cache never reaches the storage at all.
 *
 * @param hits calls answered from the cache
 * @param misses lookups that found nothing (a storage that cannot be reached answers nothing: its
 *     own stats count the errors)
 * @param varyMismatches lookups that found an entry stored for another value of a {@code Vary}
 *     header (counted in neither {@code hits} nor {@code misses})
 * @param stores answers stored
 * @param refusedStatus answers not stored: a successful status other than 200 (a failed call is
 *     never stored and not counted here)
 * @param refusedSize answers not stored: body over {@code ResponseCacheConfig.maxBodyBytes}
 * @param refusedPrivate answers not stored: {@code Set-Cookie}, or a body still content-encoded
 * @param refusedCacheControl answers not stored: {@code Cache-Control} forbids a shared cache
 *     ({@code no-store}, {@code private}, {@code no-cache}, {@code max-age=0}/{@code s-maxage=0})
 *     or {@code Vary: *}
 */
public record ResponseCacheStats(long hits, long misses, long varyMismatches, long stores, long refusedStatus,
    long refusedSize, long refusedPrivate, long refusedCacheControl) {
  /** Every count 0: a client without a response cache. */
  public static final ResponseCacheStats NONE = new ResponseCacheStats(0, 0, 0, 0, 0, 0, 0, 0);
}
