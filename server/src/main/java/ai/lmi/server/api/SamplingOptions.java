package ai.lmi.server.api;

import ai.lmi.server.generation.GenerationParams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The sampling and stopping fields the LMI and OpenAI schemas share, validated. The names are vLLM's, which
 * both schemas use: {@code temperature}, {@code top_k}, {@code top_p}, {@code min_p},
 * {@code repetition_penalty}, {@code presence_penalty}, {@code frequency_penalty}, {@code seed},
 * {@code stop}, {@code stop_token_ids}, {@code ignore_eos}.
 *
 * @param temperature 0 means greedy
 * @param topK 0 means off
 */
public record SamplingOptions(
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
        boolean ignoreEos) {

    /** OpenAI's penalty range. */
    private static final Bounds PENALTY = Bounds.between(-2, 2);

    public SamplingOptions {
        stop = List.copyOf(stop);
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    /**
     * Reads the shared fields of {@code fields}; {@code temperature} defaults to {@code defaultTemperature}.
     * {@code top_k} of -1 (vLLM's "off") and 0 (LMI's) both mean off.
     */
    static SamplingOptions read(FieldReader fields, double defaultTemperature, int vocabSize) {
        return new SamplingOptions(
                fields.number("temperature", Bounds.atLeast(0)).orElse(defaultTemperature),
                Math.max(0, fields.integer("top_k", -1, Integer.MAX_VALUE).orElse(0)),
                fields.number("top_p", Bounds.aboveAndAtMost(0, 1)).orElse(1),
                fields.number("min_p", Bounds.between(0, 1)).orElse(0),
                fields.number("repetition_penalty", Bounds.greaterThan(0)).orElse(1),
                fields.number("presence_penalty", PENALTY).orElse(0),
                fields.number("frequency_penalty", PENALTY).orElse(0),
                fields.longInteger("seed"),
                fields.stringOrStrings("stop"),
                fields.integers("stop_token_ids", 0, vocabSize - 1),
                fields.bool("ignore_eos", false));
    }

    public SamplingOptions withTemperature(double newTemperature) {
        return new SamplingOptions(newTemperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, seed, stop, stopTokenIds, ignoreEos);
    }

    /** The same options with {@code more} stop sequences appended (LMI's {@code stop_sequences}). */
    public SamplingOptions withMoreStop(List<String> more) {
        List<String> all = new ArrayList<>(stop);
        more.stream().filter(s -> !all.contains(s)).forEach(all::add);
        return new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, seed, all, stopTokenIds, ignoreEos);
    }

    public GenerationParams toParams(int maxNewTokens, int topLogprobs, boolean promptLogprobs) {
        return new GenerationParams(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty,
                presencePenalty, frequencyPenalty, seed, stop, stopTokenIds, ignoreEos, topLogprobs, promptLogprobs);
    }
}
