package ai.lmi.server.api;

import ai.lmi.server.core.SamplingParams;

/**
 * Reads the sampling and stopping fields the LMI and OpenAI schemas share, validated. The names are vLLM's, which
 * both schemas use: {@code temperature}, {@code top_k}, {@code top_p}, {@code min_p},
 * {@code repetition_penalty}, {@code presence_penalty}, {@code frequency_penalty}, {@code seed},
 * {@code stop}, {@code stop_token_ids}, {@code ignore_eos}.
 */
final class SamplingFields {

    /** OpenAI's penalty range. */
    private static final Bounds PENALTY = Bounds.between(-2, 2);

    private SamplingFields() {
    }

    /**
     * The shared fields of {@code fields}, for the caller to add what its schema says of the length and logprobs;
     * {@code temperature} defaults to {@code defaultTemperature}. {@code top_k} of -1 (vLLM's "off") and 0 (LMI's)
     * both mean off.
     */
    static SamplingParams.Builder read(FieldReader fields, double defaultTemperature, int vocabSize) {
        return SamplingParams.builder()
                .temperature(fields.number("temperature", Bounds.atLeast(0)).orElse(defaultTemperature))
                .topK(Math.max(0, fields.integer("top_k", -1, Integer.MAX_VALUE).orElse(0)))
                .topP(fields.number("top_p", Bounds.aboveAndAtMost(0, 1)).orElse(1))
                .minP(fields.number("min_p", Bounds.between(0, 1)).orElse(0))
                .repetitionPenalty(fields.number("repetition_penalty", Bounds.greaterThan(0)).orElse(1))
                .presencePenalty(fields.number("presence_penalty", PENALTY).orElse(0))
                .frequencyPenalty(fields.number("frequency_penalty", PENALTY).orElse(0))
                .seed(fields.longInteger("seed"))
                .stop(fields.stringOrStrings("stop"))
                .stopTokenIds(fields.integers("stop_token_ids", 0, vocabSize - 1))
                .ignoreEos(fields.bool("ignore_eos", false));
    }
}
