package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lmi.server.api.TinyLlama;
import ai.lmi.server.structured.RandomJsonSchemas;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 random JSON Schemas sent as vLLM guided_json to the real server and worker on tiny-llama, twelve at a time,
 * sampled at temperature 1: every output ends by itself ("stop"), parses and validates against its schema.
 */
class RandomSchemaOutputTest {

    private static final int SCHEMAS = 200;
    private static final int CONCURRENCY = 12;

    @TempDir
    Path work;

    @Test
    void everyOutputOfTwoHundredRandomSchemasParsesAndValidates() throws Exception {
        Random random = new Random(20261204);
        List<JsonNode> schemas = new ArrayList<>();
        for (int i = 0; i < SCHEMAS; i++) {
            schemas.add(RandomJsonSchemas.schema(random));
        }
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        try (TestServer server = TestServer.start(TestServer.tinyLlamaWithChatTemplate(work.resolve(TinyLlama.NAME)),
                "--option.kv_cache_bytes", "16m")) {
            List<Future<String>> failures = new ArrayList<>();
            for (int i = 0; i < SCHEMAS; i++) {
                JsonNode schema = schemas.get(i);
                int seed = i;
                failures.add(clients.submit(() -> failureOf(server, schema, seed)));
            }
            List<String> failed = new ArrayList<>();
            for (Future<String> failure : failures) {
                if (failure.get() != null) {
                    failed.add(failure.get());
                }
            }
            assertEquals(List.of(), failed, failed.size() + " of " + SCHEMAS + " schemas failed");
        } finally {
            clients.shutdownNow();
        }
    }

    /** What went wrong with one schema's output, or null when it stopped by itself, parses and validates. */
    private static String failureOf(TestServer server, JsonNode schema, int seed) {
        JsonNode reply = server.postOk("/v1/completions", "{\"prompt\": \"Write JSON.\", \"max_tokens\": 500, "
                + "\"temperature\": 1, \"seed\": " + seed + ", \"guided_json\": " + schema + "}");
        JsonNode choice = reply.path("choices").path(0);
        String text = choice.path("text").asText();
        if (!"stop".equals(choice.path("finish_reason").asText())) {
            return "finish_reason " + choice.path("finish_reason") + " for " + schema + ": " + text;
        }
        JsonNode value;
        try {
            value = TestServer.JSON.readTree(text);
        } catch (Exception e) {
            return "does not parse (" + e.getMessage() + ") for " + schema + ": " + text;
        }
        var errors = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schema)
                .validate(value);
        return errors.isEmpty() ? null : errors + " for " + schema + ": " + text;
    }
}
