package ai.lmi.server.tokenizer;

/** Chat messages cannot become a prompt: the model has no template, or the template refused them. */
public final class ChatTemplateException extends RuntimeException {

    ChatTemplateException(String message) {
        super(message);
    }
}
