package ai.lmi.server.scheduler;

/**
 * The longest prefix of a request found in the prefix cache: whole blocks, never the last token.
 *
 * @param blockIds  the cached blocks, in position order
 * @param numTokens tokens they cover: blockIds.length × block size
 */
public record CachedPrefix(int[] blockIds, int numTokens) {
    /** No cached prefix: the request computes from position 0. */
    public static final CachedPrefix NONE = new CachedPrefix(new int[0], 0);
}
