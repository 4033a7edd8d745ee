package ai.lmi.server.scheduler;

import java.util.List;
import java.util.Objects;

/**
 * How one request picks its tokens and when it stops; validated on construction, naming the bad field.
 *
 * @param temperature       0 is greedy
 * @param topK              0 turns top-k off
 * @param topP              nucleus mass in (0, 1]; 1 turns it off
 * @param minP              in [0, 1]; 0 turns it off
 * @param repetitionPenalty Hugging Face's, over prompt and output tokens; 1 turns it off
 * @param presencePenalty   OpenAI's, over output tokens, in [-2, 2]
 * @param frequencyPenalty  OpenAI's, over output tokens, in [-2, 2]
 * @param seed              a non-negative seed, or {@link #NO_SEED}
 * @param topLogprobs       how many top logprobs to return with each sampled token
 * @param promptLogprobs    whether to return the logprob of every prompt token
 * @param maxNewTokens      at most this many tokens are generated
 * @param ignoreEos         keep generating past end-of-sequence tokens
 * @param stopTokenIds      sampling any of these ends the request with {@link FinishReason#STOP_SEQUENCE}
 */
public record SamplingParams(
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        long seed,
        int topLogprobs,
        boolean promptLogprobs,
        int maxNewTokens,
        boolean ignoreEos,
        List<Integer> stopTokenIds) {

    /** The seed value that means "draw from the worker's own generator". */
    public static final long NO_SEED = -1;

    public SamplingParams {
        require(temperature >= 0 && Double.isFinite(temperature), "temperature", temperature, ">= 0 and finite");
        require(topK >= 0, "topK", topK, ">= 0");
        require(topP > 0 && topP <= 1, "topP", topP, "in (0, 1]");
        require(minP >= 0 && minP <= 1, "minP", minP, "in [0, 1]");
        require(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty), "repetitionPenalty",
                repetitionPenalty, "> 0 and finite");
        require(presencePenalty >= -2 && presencePenalty <= 2, "presencePenalty", presencePenalty, "in [-2, 2]");
        require(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequencyPenalty", frequencyPenalty,
                "in [-2, 2]");
        require(seed >= 0 || seed == NO_SEED, "seed", seed, ">= 0 (or NO_SEED)");
        require(topLogprobs >= 0, "topLogprobs", topLogprobs, ">= 0");
        require(maxNewTokens >= 1, "maxNewTokens", maxNewTokens, ">= 1");
        Objects.requireNonNull(stopTokenIds, "stopTokenIds");
        for (Integer id : stopTokenIds) {
            require(id != null && id >= 0, "stopTokenIds", stopTokenIds, "non-negative token ids");
        }
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens, everything else off. */
    public static SamplingParams greedy(int maxNewTokens) {
        return builder(maxNewTokens).build();
    }

    /** A builder starting from greedy decoding with every option off. */
    public static Builder builder(int maxNewTokens) {
        return new Builder(maxNewTokens);
    }

    private static void require(boolean ok, String field, Object value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(field + " must be " + allowed + ", got " + value);
        }
    }

    /** Named setters for the thirteen fields, so that callers never pass a row of positional values. */
    public static final class Builder {
        private double temperature;
        private int topK;
        private double topP = 1;
        private double minP;
        private double repetitionPenalty = 1;
        private double presencePenalty;
        private double frequencyPenalty;
        private long seed = NO_SEED;
        private int topLogprobs;
        private boolean promptLogprobs;
        private int maxNewTokens;
        private boolean ignoreEos;
        private List<Integer> stopTokenIds = List.of();

        private Builder(int maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
        }

        public Builder temperature(double value) {
            temperature = value;
            return this;
        }

        public Builder topK(int value) {
            topK = value;
            return this;
        }

        public Builder topP(double value) {
            topP = value;
            return this;
        }

        public Builder minP(double value) {
            minP = value;
            return this;
        }

        public Builder repetitionPenalty(double value) {
            repetitionPenalty = value;
            return this;
        }

        public Builder presencePenalty(double value) {
            presencePenalty = value;
            return this;
        }

        public Builder frequencyPenalty(double value) {
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

        public Builder maxNewTokens(int value) {
            maxNewTokens = value;
            return this;
        }

        public Builder ignoreEos(boolean value) {
            ignoreEos = value;
            return this;
        }

        public Builder stopTokenIds(List<Integer> value) {
            stopTokenIds = value;
            return this;
        }

        /** Validates and builds; throws IllegalArgumentException naming the first bad field. */
        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                    frequencyPenalty, seed, topLogprobs, promptLogprobs, maxNewTokens, ignoreEos, stopTokenIds);
        }
    }
}
