package ai.lmi.server.tokenizer;

/** Functions that Hugging Face chat templates call besides Jinja's own. */
final class TemplateFunctions {

    private TemplateFunctions() {}

    /**
     * {@code raise_exception(message)}: how templates reject messages they cannot format, e.g.
     * "Conversation roles must alternate user/assistant/user/assistant/...". The message reaches
     * the client.
     */
    static String raiseException(String message) {
        throw new ChatTemplateException(message);
    }
}
