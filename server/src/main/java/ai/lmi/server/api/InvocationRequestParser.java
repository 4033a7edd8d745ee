package ai.lmi.server.api;

/**
 * {@code POST /invocations} and {@code /predictions/{model}}: the OpenAI chat schema when the body has
 * {@code messages}, the LMI schema otherwise, as LMI containers decide.
 */
public final class InvocationRequestParser implements GenerationParser {

    private final GenerationParser chat = new ChatRequestParser();
    private final GenerationParser lmi = new LmiRequestParser();

    @Override
    public PreparedGeneration parse(FieldReader body, ServedModel model) {
        return body.has("messages") ? chat.parse(body, model) : lmi.parse(body, model);
    }
}
