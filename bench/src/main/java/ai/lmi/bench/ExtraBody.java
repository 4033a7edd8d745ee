package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code --extra-body JSON}: fields added to every {@code /v1/completions} request, for what the other flags do not
 * cover (a {@code guided_json} schema, {@code top_k}, a penalty), so that a feature's cost can be measured on the
 * same workload with and without it.
 */
final class ExtraBody {

    static final String FLAG = "--extra-body";
    static final ExtraBody NONE = new ExtraBody(Json.MAPPER.createObjectNode());

    /** Fields the benchmark writes itself: giving them here would change what it measures behind its back. */
    private static final Set<String> OWN_FIELDS = Set.of("model", "prompt", "max_tokens", "temperature",
            "ignore_eos", "stream", "stream_options");

    private final ObjectNode fields;

    private ExtraBody(ObjectNode fields) {
        this.fields = fields;
    }

    static ExtraBody parse(String text) throws UsageException {
        JsonNode parsed;
        try {
            parsed = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UsageException(FLAG + " must be a JSON object such as '{\"top_k\": 5}'; " + e.getOriginalMessage());
        }
        if (parsed == null || !parsed.isObject()) {
            throw new UsageException(FLAG + " must be a JSON object such as '{\"top_k\": 5}', got " + text);
        }
        List<String> own = new ArrayList<>();
        parsed.fieldNames().forEachRemaining(name -> {
            if (OWN_FIELDS.contains(name)) {
                own.add(name);
            }
        });
        if (!own.isEmpty()) {
            throw new UsageException(FLAG + " may not set " + String.join(", ", own) + ": the benchmark sets "
                    + String.join(", ", OWN_FIELDS.stream().sorted().toList()) + " from its own flags");
        }
        return new ExtraBody((ObjectNode) parsed);
    }

    /** Adds the fields to a request body. */
    void addTo(ObjectNode body) {
        body.setAll(fields.deepCopy());
    }
}
