package ai.lmi.server.generation;

import ai.lmi.server.core.FinishReason;
import java.util.List;

/**
 * How a generation ended.
 *
 * @param text the whole generated text, stop sequence excluded
 * @param generatedTokens tokens generated (the stop token included)
 * @param promptLogprobs one entry per prompt token when asked, else empty
 */
public record GenerationResult(
        FinishReason finishReason,
        String text,
        int promptTokens,
        int generatedTokens,
        List<PromptToken> promptLogprobs) {}
