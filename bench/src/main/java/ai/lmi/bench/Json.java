package ai.lmi.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The one Jackson mapper: thread-safe once configured, and costly to create. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
}
