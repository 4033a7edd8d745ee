package ai.lmi.server.worker;

import java.util.List;

/**
 * The allowed-token bitmasks of a step's constrained sequences (structured output), as the STEP message carries
 * them: token id t is allowed by row k when bit {@code t & 31} of {@code rows.get(k)[t >> 5]} is set.
 *
 * @param rowOf [S] the row each scheduled sequence samples under, -1 for none; or [0] when no sequence is
 *              constrained
 * @param words 32-bit words per row: ids from {@code 32 * words} on are never allowed
 * @param rows  the distinct masks, each {@code words} long; sequences in the same automaton state share one
 */
public record TokenMasks(int[] rowOf, int words, List<int[]> rows) {

    /** No sequence of the step is constrained: the message carries no mask arrays. */
    public static final TokenMasks NONE = new TokenMasks(new int[0], 0, List.of());

    public TokenMasks {
        rows = List.copyOf(rows);
        for (int row : rowOf) {
            if (row < -1 || row >= rows.size()) {
                throw new IllegalArgumentException("mask row " + row + " is outside [-1, " + rows.size() + ")");
            }
        }
        for (int[] row : rows) {
            if (row.length != words) {
                throw new IllegalArgumentException("a mask row has " + row.length + " words, expected " + words);
            }
        }
    }

    /** Whether the STEP message carries mask arrays (flag bit 1). */
    public boolean present() {
        return rowOf.length > 0;
    }
}
