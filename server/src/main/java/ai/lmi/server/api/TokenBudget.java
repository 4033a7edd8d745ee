package ai.lmi.server.api;

import java.util.OptionalInt;

/** How many tokens a request may generate: what it asked for, checked against the model's max_model_len. */
final class TokenBudget {

    private TokenBudget() {}

    /**
     * An explicit request must fit: prompt + requested tokens within max_model_len, else a 400 naming
     * {@code field} and {@code promptField}, the field the prompt came from. A default is cut to the room the
     * prompt leaves, as vLLM does.
     */
    static int resolve(String field, OptionalInt requested, int defaultTokens, String promptField, int promptTokens,
            int maxModelLen) {
        if (promptTokens >= maxModelLen) {
            throw ApiException.badRequest(promptField + " has " + promptTokens + " prompt tokens, which leave no room"
                    + " to generate within max_model_len " + maxModelLen);
        }
        if (requested.isEmpty()) {
            return Math.min(defaultTokens, maxModelLen - promptTokens);
        }
        long total = (long) requested.getAsInt() + promptTokens;
        if (total > maxModelLen) {
            throw ApiException.badRequest(field + " + prompt tokens (" + total + ") exceed max_model_len "
                    + maxModelLen + " (" + field + " " + requested.getAsInt() + ", prompt tokens " + promptTokens
                    + " from " + promptField + ")");
        }
        return requested.getAsInt();
    }
}
