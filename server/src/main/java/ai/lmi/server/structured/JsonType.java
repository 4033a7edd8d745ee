package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** The type names of JSON Schema's {@code type} keyword. */
enum JsonType {
    NULL("null"),
    BOOLEAN("boolean"),
    OBJECT("object"),
    ARRAY("array"),
    NUMBER("number"),
    INTEGER("integer"),
    STRING("string");

    final String schemaName;

    JsonType(String schemaName) {
        this.schemaName = schemaName;
    }

    static Optional<JsonType> named(String name) {
        for (JsonType type : values()) {
            if (type.schemaName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** The type as far as telling values apart goes: validators take 1.0 for an integer, so integers are numbers. */
    JsonType kind() {
        return this == INTEGER ? NUMBER : this;
    }

    static JsonType kindOf(JsonNode value) {
        if (value.isNull()) {
            return NULL;
        } else if (value.isBoolean()) {
            return BOOLEAN;
        } else if (value.isObject()) {
            return OBJECT;
        } else if (value.isArray()) {
            return ARRAY;
        } else if (value.isNumber()) {
            return NUMBER;
        }
        return STRING;
    }

    /** Whether the value is of this type; for integers only integral nodes, since 1.0 may be written back as 1.0. */
    boolean admits(JsonNode value) {
        return this == INTEGER ? value.isIntegralNumber() : kindOf(value) == this;
    }
}
