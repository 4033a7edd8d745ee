package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;

/** The JSON Schema drafts, as far as they differ for what is translated; named by the root's {@code $schema}. */
enum Dialect {
    /** Also where {@code $schema} is absent: what OpenAI and vLLM document. */
    DRAFT_2020_12,
    DRAFT_2019_09,
    /** Drafts 4, 6 and 7, in which validators (networknt among them) assert {@code format} by default. */
    DRAFT_7_AND_EARLIER;

    static Dialect of(JsonNode root) {
        JsonNode uri = root.isObject() ? root.get("$schema") : null;
        if (uri == null) {
            return DRAFT_2020_12;
        }
        String text = uri.isTextual() ? uri.textValue() : "";
        if (text.contains("/draft/2020-12/")) {
            return DRAFT_2020_12;
        } else if (text.contains("/draft/2019-09/")) {
            return DRAFT_2019_09;
        } else if (text.matches(".*/draft-0[4-7]/.*")) {
            return DRAFT_7_AND_EARLIER;
        }
        throw Location.ROOT.keywordError("$schema", "names a dialect other than JSON Schema drafts 4 to 2020-12: " + uri);
    }

    /** Whether {@code items} may be an array of tuple schemas (with {@code additionalItems}), not {@code prefixItems}. */
    boolean tupleItems() {
        return this != DRAFT_2020_12;
    }

    /** Whether a format that is not enforced would still be asserted by validators, so cannot be ignored. */
    boolean assertsFormat() {
        return this == DRAFT_7_AND_EARLIER;
    }
}
