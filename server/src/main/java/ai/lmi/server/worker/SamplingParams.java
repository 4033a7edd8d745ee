package ai.lmi.server.worker;

/**
 * How one sequence picks its tokens, as the worker's sampler takes them (lmi_worker.engine.step.SamplingParams).
 *
 * @param temperature       0 is greedy
 * @param topK              0 is off
 * @param topP              in (0, 1]; 1 is off
 * @param minP              in [0, 1]; 0 is off
 * @param repetitionPenalty Hugging Face's, over prompt and output tokens; 1 is off
 * @param presencePenalty   OpenAI's, over output tokens; 0 is off
 * @param frequencyPenalty  OpenAI's, over output tokens; 0 is off
 * @param seed              a negative seed ({@link #NO_SEED}) draws from the worker's process generator
 * @param topLogprobs       N of the top-N logprobs returned with each sampled token
 * @param promptLogprobs    return the logprob (and top-N) of every prompt token
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             float presencePenalty, float frequencyPenalty, long seed, int topLogprobs,
                             boolean promptLogprobs) {

    public static final long NO_SEED = -1;
    private static final SamplingParams GREEDY = builder().build();

    public SamplingParams {
        require(temperature >= 0 && Float.isFinite(temperature), "temperature", temperature, "must be >= 0");
        require(topK >= 0, "topK", topK, "must be >= 0");
        require(topP > 0 && topP <= 1, "topP", topP, "must be in (0, 1]");
        require(minP >= 0 && minP <= 1, "minP", minP, "must be in [0, 1]");
        require(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetitionPenalty",
                repetitionPenalty, "must be > 0");
        require(Float.isFinite(presencePenalty), "presencePenalty", presencePenalty, "must be finite");
        require(Float.isFinite(frequencyPenalty), "frequencyPenalty", frequencyPenalty, "must be finite");
        require(topLogprobs >= 0, "topLogprobs", topLogprobs, "must be >= 0");
    }

    private static void require(boolean ok, String name, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(name + " " + value + " " + rule);
        }
    }

    /** Greedy decoding, no penalties, no logprobs. */
    public static SamplingParams greedy() {
        return GREEDY;
    }

    /** Whether the sequence takes the most likely token at every step. */
    public boolean isGreedy() {
        return temperature == 0;
    }

    /** A builder starting from the defaults (greedy, everything off). */
    public static Builder builder() {
        return new Builder();
    }

    /** Named settings for the ten components; unset ones keep their defaults. */
    public static final class Builder {
        private float temperature;
        private int topK;
        private float topP = 1;
        private float minP;
        private float repetitionPenalty = 1;
        private float presencePenalty;
        private float frequencyPenalty;
        private long seed = NO_SEED;
        private int topLogprobs;
        private boolean promptLogprobs;

        private Builder() {
        }

        public Builder temperature(float value) {
            temperature = value;
            return this;
        }

        public Builder topK(int value) {
            topK = value;
            return this;
        }

        public Builder topP(float value) {
            topP = value;
            return this;
        }

        public Builder minP(float value) {
            minP = value;
            return this;
        }

        public Builder repetitionPenalty(float value) {
            repetitionPenalty = value;
            return this;
        }

        public Builder presencePenalty(float value) {
            presencePenalty = value;
            return this;
        }

        public Builder frequencyPenalty(float value) {
            frequencyPenalty = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder topLogprobs(int value) {
            topLogprobs = value;
            return this;
        }

        public Builder promptLogprobs(boolean value) {
            promptLogprobs = value;
            return this;
        }

        /** The params; IllegalArgumentException naming the first value out of range. */
        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                    frequencyPenalty, seed, topLogprobs, promptLogprobs);
        }
    }
}
