package ai.lmi.server.api;

import java.util.OptionalInt;

/**
 * {@code POST /v1/embeddings}, OpenAI's schema: {@code input} (a string or a list of strings),
 * {@code encoding_format} ({@code float} or {@code base64}) and {@code dimensions}, which must be the model's own
 * size since this server does not shorten embeddings (vLLM likewise rejects what the model cannot do). As for
 * completions, {@code model} is not checked and {@code user} is ignored; any other field is a 400.
 */
public final class OpenAiEmbeddingRequestParser implements EmbeddingParser {

    @Override
    public PreparedEmbedding parse(FieldReader body, ServedEmbeddingModel model) {
        EmbeddingInput input = EmbeddingInput.read(body, "input");
        RequestSchemas.OPENAI_EMBEDDINGS.check(body);
        EncodingFormat format = EncodingFormat.read(body, "encoding_format");
        OptionalInt dimensions = body.integer("dimensions", 1, Integer.MAX_VALUE);
        if (dimensions.isPresent() && dimensions.getAsInt() != model.dimension()) {
            throw ApiException.badRequest("dimensions must be " + model.dimension() + ", the size of " + model.name()
                    + "'s embeddings, which cannot be shortened; got " + dimensions.getAsInt());
        }
        return new PreparedEmbedding(input, new OpenAiEmbeddingRenderer(model.name(), format));
    }
}
