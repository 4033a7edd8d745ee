package ai.lmi.server.core;

import ai.lmi.server.structured.TokenAutomaton;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How one generation samples its tokens and when it stops: what the API layer validated from a request, what the
 * scheduler stops on, and what the worker's sampler is sent (lmi_worker.engine.step.SamplingParams). The one
 * record of these fields, passed along by reference from the parser to the wire.
 *
 * @param maxNewTokens      at most this many tokens are generated
 * @param temperature       0 is greedy
 * @param topK              0 is off
 * @param topP              in (0, 1]; 1 is off
 * @param minP              in [0, 1]; 0 is off
 * @param repetitionPenalty Hugging Face's, over prompt and output tokens; 1 is off
 * @param presencePenalty   OpenAI's, over output tokens; 0 is off
 * @param frequencyPenalty  OpenAI's, over output tokens; 0 is off
 * @param seed              empty: the worker's process generator draws
 * @param stop              texts that end the generation, found by the engine loop; excluded from the output
 * @param stopTokenIds      sampling any of these ends the generation with {@link FinishReason#STOP_SEQUENCE}
 * @param ignoreEos         keep generating past the model's end-of-sequence tokens
 * @param topLogprobs       N of the top-N logprobs returned with each sampled token (0: none)
 * @param promptLogprobs    return the logprob (and top-N) of every prompt token
 * @param constraint        structured output: the automaton whose masks the sampled tokens must pass
 */
public record SamplingParams(
        int maxNewTokens,
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        OptionalLong seed,
        List<String> stop,
        List<Integer> stopTokenIds,
        boolean ignoreEos,
        int topLogprobs,
        boolean promptLogprobs,
        Optional<TokenAutomaton> constraint) {

    public SamplingParams {
        require(maxNewTokens >= 1, "maxNewTokens", maxNewTokens, "must be >= 1");
        require(temperature >= 0 && Double.isFinite(temperature), "temperature", temperature, "must be >= 0");
        require(topK >= 0, "topK", topK, "must be >= 0");
        require(topP > 0 && topP <= 1, "topP", topP, "must be in (0, 1]");
        require(minP >= 0 && minP <= 1, "minP", minP, "must be in [0, 1]");
        require(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty), "repetitionPenalty",
                repetitionPenalty, "must be > 0");
        require(Double.isFinite(presencePenalty), "presencePenalty", presencePenalty, "must be finite");
        require(Double.isFinite(frequencyPenalty), "frequencyPenalty", frequencyPenalty, "must be finite");
        require(topLogprobs >= 0, "topLogprobs", topLogprobs, "must be >= 0");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(constraint, "constraint");
        stop = List.copyOf(stop);
        for (Integer id : stopTokenIds) {
            require(id != null && id >= 0, "stopTokenIds", stopTokenIds, "must be non-negative token ids");
        }
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    private static void require(boolean ok, String name, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(name + " " + value + " " + rule);
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, everything else off. */
    public static SamplingParams greedy(int maxNewTokens) {
        return builder().maxNewTokens(maxNewTokens).build();
    }

    /** Whether the sequence takes the most likely token at every step. */
    public boolean isGreedy() {
        return temperature == 0;
    }

    /** A builder starting from the defaults: 16 tokens, greedy, everything off. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these params, to change some of them. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Named settings for the components; unset ones keep their defaults. */
    public static final class Builder {
        private int maxNewTokens = 16;
        private double temperature;
        private int topK;
        private double topP = 1;
        private double minP;
        private double repetitionPenalty = 1;
        private double presencePenalty;
        private double frequencyPenalty;
        private OptionalLong seed = OptionalLong.empty();
        private List<String> stop = List.of();
        private List<Integer> stopTokenIds = List.of();
        private boolean ignoreEos;
        private int topLogprobs;
        private boolean promptLogprobs;
        private Optional<TokenAutomaton> constraint = Optional.empty();

        private Builder() {
        }

        private Builder(SamplingParams p) {
            maxNewTokens = p.maxNewTokens;
            temperature = p.temperature;
            topK = p.topK;
            topP = p.topP;
            minP = p.minP;
            repetitionPenalty = p.repetitionPenalty;
            presencePenalty = p.presencePenalty;
            frequencyPenalty = p.frequencyPenalty;
            seed = p.seed;
            stop = p.stop;
            stopTokenIds = p.stopTokenIds;
            ignoreEos = p.ignoreEos;
            topLogprobs = p.topLogprobs;
            promptLogprobs = p.promptLogprobs;
            constraint = p.constraint;
        }

        public Builder maxNewTokens(int value) {
            maxNewTokens = value;
            return this;
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

        public Builder seed(OptionalLong value) {
            seed = value;
            return this;
        }

        public Builder seed(long value) {
            return seed(OptionalLong.of(value));
        }

        public Builder stop(List<String> value) {
            stop = value;
            return this;
        }

        /** Appends {@code more} stop sequences not already there (LMI's {@code stop_sequences} next to {@code stop}). */
        public Builder addStop(List<String> more) {
            List<String> all = new ArrayList<>(stop);
            more.stream().filter(s -> !all.contains(s)).forEach(all::add);
            stop = all;
            return this;
        }

        public Builder stopTokenIds(List<Integer> value) {
            stopTokenIds = value;
            return this;
        }

        public Builder ignoreEos(boolean value) {
            ignoreEos = value;
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

        public Builder constraint(TokenAutomaton value) {
            constraint = Optional.of(value);
            return this;
        }

        /** The params; IllegalArgumentException naming the first value out of range. */
        public SamplingParams build() {
            return new SamplingParams(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty,
                    presencePenalty, frequencyPenalty, seed, stop, stopTokenIds, ignoreEos, topLogprobs,
                    promptLogprobs, constraint);
        }
    }
}
