package ai.lmi.server.api;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import ai.lmi.server.generation.GenerationRequest;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The LMI schema (rolling batch): {@code {"inputs": str, "parameters": {...}, "stream": bool}}.
 *
 * <p>Defaults follow LMI's documented ones (djl-serving lmi_input_output_schema.md):
 * {@code max_new_tokens} 30, greedy unless sampling is asked for, {@code top_k} 0 (off), {@code top_p} 1.
 * Sampling: {@code do_sample: false} is greedy whatever the temperature; {@code do_sample: true} samples at
 * {@code temperature} (default 1.0); without {@code do_sample}, a temperature above 0 samples (LMI 0.32+
 * infers do_sample from the sampling parameters).
 */
public final class LmiRequestParser implements GenerationParser {

    /** LMI's documented default of {@code parameters.max_new_tokens}. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 30;
    /** vLLM's default limit on logprobs per position. */
    static final int MAX_TOP_N_TOKENS = 20;

    @Override
    public PreparedGeneration parse(FieldReader body, ServedModel model) {
        RequestSchemas.LMI.check(body);
        String inputs = inputs(body);
        boolean stream = body.bool("stream", false);
        FieldReader parameters = body.object("parameters").orElseGet(() -> FieldReader.of(Json.object()));
        RequestSchemas.LMI_PARAMETERS.check(parameters);

        Optional<Boolean> doSample = parameters.bool("do_sample");
        SamplingParams.Builder sampling = SamplingFields.read(parameters, doSample.orElse(false) ? 1.0 : 0.0,
                        model.tokenizer().vocabSize())
                .addStop(parameters.stringOrStrings("stop_sequences"));
        StructuredOutputFields.readLmi(parameters, model, sampling);
        if (!doSample.orElse(true)) {
            sampling.temperature(0);
        }
        OptionalInt maxNewTokens = parameters.integer("max_new_tokens", 1, Integer.MAX_VALUE);
        boolean decoderInputDetails = parameters.bool("decoder_input_details", false);
        if (decoderInputDetails && stream) {
            throw ApiException.badRequest("parameters.decoder_input_details cannot be used with stream");
        }
        LmiOutput output = new LmiOutput(
                inputs,
                parameters.bool("details", false),
                decoderInputDetails,
                parameters.bool("return_full_text", false),
                parameters.integer("top_n_tokens", 0, MAX_TOP_N_TOKENS).orElse(0));

        int[] promptIds = model.tokenizer().encode(inputs, true);
        int maxTokens = TokenBudget.resolve("parameters.max_new_tokens", maxNewTokens, DEFAULT_MAX_NEW_TOKENS,
                "inputs", promptIds.length, model.maxModelLen());
        SamplingParams params = sampling.maxNewTokens(maxTokens).topLogprobs(output.topNTokens())
                .promptLogprobs(decoderInputDetails).build();
        GenerationRequest request = new GenerationRequest("lmi-" + UUID.randomUUID().toString().replace("-", ""),
                promptIds, params, adapter(body, parameters, model));
        return stream
                ? PreparedGeneration.streamed(request, new LmiStreamRenderer(output))
                : PreparedGeneration.whole(request, new LmiResponseRenderer(output));
    }

    /**
     * LMI's {@code adapters} (a name, or a list of one name per input: one here) or TGI's
     * {@code parameters.adapter_id}; naming two different adapters is refused.
     */
    private static int adapter(FieldReader body, FieldReader parameters, ServedModel model) {
        List<String> adapters = body.stringOrStrings("adapters");
        if (adapters.size() > 1) {
            throw ApiException.badRequest("adapters names " + adapters.size() + " adapters, but inputs is one "
                    + "prompt: give one adapter name");
        }
        List<String> adapterId = parameters.stringOrStrings("adapter_id");
        if (adapterId.size() > 1 || (parameters.has("adapter_id") && !parameters.get("adapter_id").isTextual())) {
            throw parameters.mustBe("adapter_id", "a string", parameters.get("adapter_id"));
        }
        if (!adapters.isEmpty() && !adapterId.isEmpty() && !adapters.equals(adapterId)) {
            throw ApiException.badRequest("adapters ('" + adapters.get(0) + "') and parameters.adapter_id ('"
                    + adapterId.get(0) + "') name different adapters");
        }
        List<String> named = adapters.isEmpty() ? adapterId : adapters;
        return named.isEmpty() ? NewSequence.NO_ADAPTER : model.adapterId(named.get(0));
    }

    private static String inputs(FieldReader body) {
        JsonNode inputs = body.get("inputs");
        if (inputs == null) {
            throw ApiException.badRequest("inputs is required (or messages, for OpenAI's chat schema)");
        }
        if (!inputs.isTextual()) {
            throw body.mustBe("inputs", "a string (one prompt per request)", inputs);
        }
        if (inputs.textValue().isEmpty()) {
            throw ApiException.badRequest("inputs must not be empty");
        }
        return inputs.textValue();
    }
}
