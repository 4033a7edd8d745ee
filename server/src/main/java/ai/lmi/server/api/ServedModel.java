package ai.lmi.server.api;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.adapter.AdapterException;
import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.adapter.UnknownAdapterException;
import ai.lmi.server.core.NewSequence;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.structured.GrammarCompiler;
import ai.lmi.server.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What request parsing needs to know about the served model: its name, length, tokenizer, adapters, and the
 * compiler (with its cache) of structured-output grammars for its vocabulary.
 */
public record ServedModel(String name, int maxModelLen, Tokenizer tokenizer, AdapterService adapters,
                          GrammarCompiler grammars) {

    /** A model that serves no adapters, with a compiler of its own. */
    public ServedModel(String name, int maxModelLen, Tokenizer tokenizer) {
        this(name, maxModelLen, tokenizer, AdapterService.DISABLED, new GrammarCompiler(tokenizer));
    }

    /** The model {@code service} serves, compiling grammars with {@code grammars}, which outlives one request. */
    public static ServedModel of(GenerationService service, GrammarCompiler grammars) {
        return new ServedModel(service.model().name(), service.model().maxModelLen(), service.tokenizer(),
                service.adapters(), grammars);
    }

    /** The id of the loaded adapter called {@code adapterName}; a 404 naming it (and the loaded ones) otherwise. */
    public int adapterId(String adapterName) {
        return adapters.find(adapterName).map(Adapter::id).orElseThrow(() -> unknownAdapter(adapterName));
    }

    /**
     * The adapter OpenAI's {@code model} field names. Absent, or the base model's name: none. An adapter's name: it.
     * Anything else is a 404 when the model serves adapters (a mistyped adapter must not run on the base model);
     * without adapters any name is served by the one model, as before adapters existed.
     */
    public int adapterOfModelField(FieldReader body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            return NewSequence.NO_ADAPTER;
        }
        if (!model.isTextual()) {
            throw body.mustBe("model", "a string", model);
        }
        String requested = model.textValue();
        if (requested.equals(name) || !adapters.enabled()) {
            return NewSequence.NO_ADAPTER;
        }
        return adapters.find(requested).map(Adapter::id).orElseThrow(() -> ApiException.notFound("model '"
                + requested + "' is not served: it is neither the base model '" + name + "' nor a loaded adapter"
                + loadedList()));
    }

    /** The name responses give as their model: the adapter's when one ran, as vLLM answers, else the model's. */
    public String responseName(int adapterId) {
        if (adapterId == NewSequence.NO_ADAPTER) {
            return name;
        }
        return adapters.list().stream().filter(a -> a.id() == adapterId).map(Adapter::name).findFirst().orElse(name);
    }

    private ApiException unknownAdapter(String adapterName) {
        if (!adapters.enabled()) {
            return ApiException.notFound("adapter '" + adapterName + "' is not loaded: "
                    + AdapterException.loraOff().getMessage());
        }
        return ApiException.notFound(new UnknownAdapterException(adapterName,
                adapters.list().stream().map(Adapter::name).toList()).getMessage());
    }

    private String loadedList() {
        List<String> names = adapters.list().stream().map(Adapter::name).toList();
        return names.isEmpty() ? " (no adapter is loaded)" : " (loaded: " + String.join(", ", names) + ")";
    }
}
