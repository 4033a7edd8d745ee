package ai.lmi.server.api;

import ai.lmi.server.core.FinishReason;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.generation.PromptToken;
import ai.lmi.server.generation.TopLogprob;
import java.util.List;

/** A fixed generation to render: "Hello world" in tiny-llama's vocabulary, then EOS. */
final class Generations {

    static final GeneratedToken HELLO = new GeneratedToken(22557, "Hello", -0.25f, false,
            List.of(new TopLogprob(22557, " Hello", -0.25f), new TopLogprob(15359, " Hi", -1.5f)), false);
    static final GeneratedToken WORLD = new GeneratedToken(1526, " world", -0.5f, false,
            List.of(new TopLogprob(1526, " world", -0.5f), new TopLogprob(3304, " World", -2f)), false);
    static final GeneratedToken EOS = new GeneratedToken(2, "", -0.125f, true,
            List.of(new TopLogprob(2, "</s>", -0.125f), new TopLogprob(28723, ".", -3f)), true);
    static final List<GeneratedToken> TOKENS = List.of(HELLO, WORLD, EOS);
    static final List<PromptToken> PROMPT = List.of(
            new PromptToken(1, "<s>", Float.NaN, List.of()),
            new PromptToken(15753, " Say", -7.5f, List.of(new TopLogprob(415, " The", -2f))));
    static final GenerationResult RESULT = new GenerationResult(FinishReason.EOS_TOKEN, "Hello world", 2, 3, List.of());
    static final GenerationResult RESULT_WITH_PROMPT =
            new GenerationResult(FinishReason.EOS_TOKEN, "Hello world", 2, 3, PROMPT);

    private Generations() {}

    /** Streams the tokens and the result through {@code renderer}, concatenating everything it sends. */
    static String stream(StreamRenderer renderer, GenerationResult result) {
        StringBuilder out = new StringBuilder(renderer.start());
        TOKENS.forEach(token -> out.append(renderer.token(token)));
        return out.append(renderer.finish(result)).toString();
    }
}
