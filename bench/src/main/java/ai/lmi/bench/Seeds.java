package ai.lmi.bench;

/** Independent random streams from the one {@code --seed}: prompts, output lengths and arrivals never mix. */
final class Seeds {

    static final long PROMPTS = 1;
    static final long SHARED_PREFIX = 2;
    static final long OUTPUT_LENGTHS = 3;
    static final long ARRIVALS = 4;

    private Seeds() {}

    /** A seed for stream {@code stream} of {@code seed}: SplitMix64's finalizer over both. */
    static long derive(long seed, long stream) {
        long z = seed * 0x9E3779B97F4A7C15L + stream;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
