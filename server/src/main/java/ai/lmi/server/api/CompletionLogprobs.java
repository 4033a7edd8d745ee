package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.PromptToken;
import ai.lmi.server.generation.TopLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The completions API's {@code logprobs} object: parallel lists {@code tokens}, {@code token_logprobs},
 * {@code top_logprobs} (candidate text → logprob) and {@code text_offset} (where each token's text starts in
 * the choice's text). As in vLLM, a position's candidates always include the token chosen there.
 */
final class CompletionLogprobs {

    private final IntFunction<String> tokenText;
    private final ArrayNode tokens = Json.array();
    private final ArrayNode tokenLogprobs = Json.array();
    private final ArrayNode topLogprobs = Json.array();
    private final ArrayNode textOffset = Json.array();
    /** Offset of the next token's text, in code points as OpenAI (Python) counts them. */
    private int offset;

    /** @param tokenText how a token id reads in {@code tokens} and as a candidate */
    CompletionLogprobs(IntFunction<String> tokenText, int startOffset) {
        this.tokenText = tokenText;
        this.offset = startOffset;
    }

    /** A prompt token of an echoed prompt; the first has no logprob and no candidates. */
    void addPrompt(PromptToken token) {
        add(token.id(), token.text(), token.logprob(), token.top(), Float.isNaN(token.logprob()));
    }

    void addGenerated(GeneratedToken token) {
        add(token.id(), token.text(), token.logprob(), token.top(), false);
    }

    int offset() {
        return offset;
    }

    ObjectNode toJson() {
        ObjectNode json = Json.object();
        json.set("tokens", tokens);
        json.set("token_logprobs", tokenLogprobs);
        json.set("top_logprobs", topLogprobs);
        json.set("text_offset", textOffset);
        return json;
    }

    private void add(int id, String releasedText, float logprob, List<TopLogprob> top, boolean noCandidates) {
        String text = tokenText.apply(id);
        tokens.add(text);
        tokenLogprobs.add(Json.logprob(logprob));
        if (noCandidates) {
            topLogprobs.add(NullNode.getInstance());
        } else {
            ObjectNode candidates = Json.object();
            top.forEach(candidate ->
                    candidates.set(tokenText.apply(candidate.tokenId()), Json.logprob(candidate.logprob())));
            if (!candidates.has(text)) {
                candidates.set(text, Json.logprob(logprob));
            }
            topLogprobs.add(candidates);
        }
        textOffset.add(offset);
        offset += releasedText.codePointCount(0, releasedText.length());
    }
}
