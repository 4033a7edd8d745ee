package ai.lmi.server.api;

import ai.lmi.server.core.SamplingParams;
import ai.lmi.server.generation.GenerationRequest;
import java.util.OptionalInt;

/**
 * {@code POST /v1/completions}, OpenAI's legacy completions schema with vLLM's extensions ({@code top_k},
 * {@code min_p}, {@code repetition_penalty}, {@code ignore_eos}, {@code stop_token_ids},
 * {@code return_tokens_as_token_ids}, which renders every token of {@code logprobs} as {@code "token_id:<id>"}).
 *
 * <p>Defaults are OpenAI's (API reference, "Create completion"): {@code max_tokens} 16, {@code temperature}
 * 1, {@code top_p} 1. One prompt and one choice per request ({@code n} = 1); {@code logprobs} 0..20 as vLLM
 * allows. {@code echo} with {@code logprobs} returns the prompt's logprobs too, except when streaming, where
 * they would only be known at the end: that combination is rejected. The request's {@code model} is not
 * checked: the server serves one model, and responses carry its name.
 */
public final class CompletionRequestParser implements GenerationParser {

    /** OpenAI's documented default of {@code max_tokens} for completions. */
    public static final int DEFAULT_MAX_TOKENS = 16;
    /** OpenAI's default temperature. */
    static final double DEFAULT_TEMPERATURE = 1.0;
    /** vLLM's default limit on logprobs per position. */
    static final int MAX_LOGPROBS = 20;

    @Override
    public PreparedGeneration parse(FieldReader body, ServedModel model) {
        RequestSchemas.COMPLETIONS.check(body);
        OpenAiFields.requireSingleChoice(body);
        boolean stream = body.bool("stream", false);
        boolean includeUsage = OpenAiFields.includeUsage(body, stream);
        boolean echo = body.bool("echo", false);
        OptionalInt logprobs = body.integer("logprobs", 0, MAX_LOGPROBS);
        if (stream && echo && logprobs.isPresent()) {
            throw ApiException.badRequest("echo with logprobs is not supported when stream is true");
        }
        boolean tokensAsIds = body.bool("return_tokens_as_token_ids", false);
        OptionalInt maxTokens = body.integer("max_tokens", 1, Integer.MAX_VALUE);
        SamplingParams.Builder sampling = SamplingFields.read(body, DEFAULT_TEMPERATURE, model.tokenizer().vocabSize());
        StructuredOutputFields.readOpenAi(body, model, sampling);
        CompletionPrompt prompt = CompletionPrompt.read(body, model.tokenizer());

        int maxNewTokens = TokenBudget.resolve("max_tokens", maxTokens, DEFAULT_MAX_TOKENS, "prompt",
                prompt.ids().length, model.maxModelLen());
        SamplingParams params = sampling.maxNewTokens(maxNewTokens).topLogprobs(logprobs.orElse(0))
                .promptLogprobs(echo && logprobs.isPresent()).build();
        String id = OpenAiFields.newId("cmpl-");
        int adapterId = model.adapterOfModelField(body);
        CompletionOutput output = new CompletionOutput(id, OpenAiFields.nowEpochSeconds(),
                model.responseName(adapterId), echo ? prompt.text() : null, logprobs.orElse(-1), includeUsage,
                tokensAsIds ? CompletionRequestParser::tokenIdText : model.tokenizer()::tokenText);
        GenerationRequest request = new GenerationRequest(id, prompt.ids(), params, adapterId);
        return stream
                ? PreparedGeneration.streamed(request, new CompletionStreamRenderer(output))
                : PreparedGeneration.whole(request, new CompletionResponseRenderer(output));
    }

    /** How {@code return_tokens_as_token_ids} renders a token: vLLM's {@code "token_id:<id>"}. */
    static String tokenIdText(int id) {
        return "token_id:" + id;
    }
}
