package ai.lmi.server.generation;

import java.util.List;
import java.util.OptionalLong;

/**
 * Everything a client may ask of one generation, already validated by the API layer.
 *
 * @param maxNewTokens tokens to generate at most
 * @param temperature 0 means greedy
 * @param topK 0 means off
 * @param seed empty: a random draw
 * @param stopSequences texts that end the generation; excluded from the output
 * @param stopTokenIds token ids that end the generation (kept out of the text)
 * @param ignoreEos keep generating past the model's end-of-sequence token
 * @param topLogprobs how many best logprobs to return with each token (0: none)
 * @param promptLogprobs return the logprob of every prompt token
 */
public record GenerationParams(
        int maxNewTokens,
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        OptionalLong seed,
        List<String> stopSequences,
        List<Integer> stopTokenIds,
        boolean ignoreEos,
        int topLogprobs,
        boolean promptLogprobs) {

    public GenerationParams {
        stopSequences = List.copyOf(stopSequences);
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, nothing else asked. */
    public static GenerationParams greedy(int maxNewTokens) {
        return new GenerationParams(maxNewTokens, 0, 0, 1, 0, 1, 0, 0, OptionalLong.empty(), List.of(), List.of(),
                false, 0, false);
    }
}
