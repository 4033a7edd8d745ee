package ai.lmi.server.api;

import ai.lmi.server.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code prompt} of a completions request: a string, a list of token ids, or a one-element list of either
 * (what OpenAI clients send for a single prompt). Several prompts in one request are rejected: send one
 * request per prompt, which the server batches anyway.
 *
 * @param ids the prompt's token ids; a text prompt gets the model's special tokens (BOS), as vLLM adds them
 * @param text the prompt as text, for {@code echo}; token ids are decoded special tokens included
 */
record CompletionPrompt(int[] ids, String text) {

    private static final String SHAPES = "a string, a list of token ids, or a list of strings";

    static CompletionPrompt read(FieldReader body, Tokenizer tokenizer) {
        JsonNode prompt = body.get("prompt");
        if (prompt == null) {
            throw ApiException.badRequest("prompt is required");
        }
        if (prompt.isArray() && prompt.size() > 0 && (prompt.get(0).isTextual() || prompt.get(0).isArray())) {
            if (prompt.size() > 1) {
                throw ApiException.badRequest("prompt must hold one prompt, got a list of " + prompt.size()
                        + "; send one request per prompt");
            }
            return of(body, "prompt[0]", prompt.get(0), tokenizer);
        }
        return of(body, "prompt", prompt, tokenizer);
    }

    private static CompletionPrompt of(FieldReader body, String field, JsonNode prompt, Tokenizer tokenizer) {
        if (prompt.isTextual()) {
            if (prompt.textValue().isEmpty()) {
                throw ApiException.badRequest(field + " must not be empty");
            }
            return new CompletionPrompt(tokenizer.encode(prompt.textValue(), true), prompt.textValue());
        }
        if (!prompt.isArray()) {
            throw body.mustBe(field, SHAPES, prompt);
        }
        if (prompt.isEmpty()) {
            throw ApiException.badRequest(field + " must not be empty");
        }
        int[] ids = new int[prompt.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = prompt.get(i);
            if (!id.isIntegralNumber()) {
                throw body.mustBe(field, SHAPES, prompt);
            }
            if (!id.canConvertToInt() || id.intValue() < 0 || id.intValue() >= tokenizer.vocabSize()) {
                throw ApiException.badRequest(field + "[" + i + "] must be a token id in [0, "
                        + tokenizer.vocabSize() + "), got " + id);
            }
            ids[i] = id.intValue();
        }
        return new CompletionPrompt(ids, tokenizer.decode(ids, false));
    }
}
