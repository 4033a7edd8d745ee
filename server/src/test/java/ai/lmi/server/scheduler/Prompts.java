package ai.lmi.server.scheduler;

import java.util.stream.IntStream;

/** Token-id arrays for tests. */
final class Prompts {
    private Prompts() {
    }

    /** {@code count} consecutive ids starting at {@code first}. */
    static int[] range(int first, int count) {
        return IntStream.range(first, first + count).toArray();
    }

    static int[] concat(int[]... parts) {
        return IntStream.range(0, parts.length).flatMap(i -> IntStream.of(parts[i])).toArray();
    }
}
