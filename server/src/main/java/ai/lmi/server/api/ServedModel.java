package ai.lmi.server.api;

import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.tokenizer.Tokenizer;

/** What request parsing needs to know about the served model. */
public record ServedModel(String name, int maxModelLen, Tokenizer tokenizer) {

    public static ServedModel of(GenerationService service) {
        return new ServedModel(service.model().name(), service.model().maxModelLen(), service.tokenizer());
    }
}
