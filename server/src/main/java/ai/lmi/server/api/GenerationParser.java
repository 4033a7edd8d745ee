package ai.lmi.server.api;

/** Validates one schema's request body into a generation to submit and the renderer of its response. */
@FunctionalInterface
public interface GenerationParser {

    /** @throws ApiException (400) naming the offending field */
    PreparedGeneration parse(FieldReader body, ServedModel model);
}
