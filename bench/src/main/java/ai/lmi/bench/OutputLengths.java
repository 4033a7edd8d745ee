package ai.lmi.bench;

import java.util.Random;
import java.util.function.IntSupplier;

/**
 * How many tokens each request asks for: {@code --max-tokens N} (low = high) or {@code --max-tokens-range LO:HI},
 * uniform integers in [low, high].
 */
public record OutputLengths(int low, int high) {

    public OutputLengths {
        if (low < 1 || high < low) {
            throw new IllegalArgumentException("output lengths need 1 <= low <= high, got " + low + ":" + high);
        }
    }

    static OutputLengths fixed(int tokens) {
        return new OutputLengths(tokens, tokens);
    }

    /** The per-request lengths, one draw per call, reproducible for a seed. */
    IntSupplier sampler(long seed) {
        Random random = new Random(seed);
        return () -> low + random.nextInt(high - low + 1);
    }
}
