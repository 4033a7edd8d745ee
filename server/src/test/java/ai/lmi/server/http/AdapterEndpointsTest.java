package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.adapter.AdapterUnavailableException;
import ai.lmi.server.adapter.PeftAdapters;
import ai.lmi.server.api.TinyLlama;
import ai.lmi.server.embedding.EmbeddingService;
import ai.lmi.server.embedding.EmbeddingServiceSettings;
import ai.lmi.engines.embedding.EmbeddingSettings;
import ai.lmi.engines.embedding.Pooling;
import ai.lmi.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Queue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter routes of both listeners, over the real pipeline, against adapters read from real PEFT files. */
class AdapterEndpointsTest {

    private static final String ADAPTERS = "/models/" + TinyLlama.NAME + "/adapters";
    private static final String LORA_OFF = "LoRA adapters are off: start the server with option.enable_lora=true";

    @TempDir
    Path tempDir;

    private final FakeGenerationService service = new FakeGenerationService();
    private final InMemoryAdapterService adapters = new InMemoryAdapterService(16);
    /** Changes wait here until the test runs them, as the change thread would. */
    private final Queue<Runnable> pendingChanges = new ArrayDeque<>();
    private EmbeddedServer management;
    private Path sql;
    private Path chat;

    @BeforeEach
    void start() {
        service.adapters = adapters;
        management = EmbeddedServer.management(service, pendingChanges::add);
        sql = PeftAdapters.write(tempDir.resolve("sql"));
        chat = PeftAdapters.write(tempDir.resolve("chat"), PeftAdapters.configWith("r", "4"));
    }

    @AfterEach
    void close() {
        management.close();
    }

    @Test
    void registerWithQueryParametersThenListAndDescribe() {
        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);
        assertEquals(200, management.status());
        assertEquals("{\"status\":\"Adapter sql registered\"}", management.body());

        JsonNode list = send(HttpMethod.GET, ADAPTERS, null).json();
        assertEquals(1, list.path("adapters").size());
        assertSql(list.path("adapters").path(0), 1);

        JsonNode description = send(HttpMethod.GET, ADAPTERS + "/sql", null).json();
        assertEquals(1, description.size(), "LMI describes an adapter as a list of one");
        assertSql(description.path(0), 1);
    }

    @Test
    void registerWithAJsonBody() {
        change(HttpMethod.POST, ADAPTERS, "{\"name\": \"chat\", \"src\": \"" + chat + "\"}");
        assertEquals(200, management.status(), management.body());

        JsonNode chatAdapter = send(HttpMethod.GET, ADAPTERS + "/chat", null).json().path(0);
        assertEquals(4, chatAdapter.path("rank").asInt());
        assertEquals(chat.toString(), chatAdapter.path("src").asText());
    }

    @Test
    void registerNamesAMissingOrInvalidField() {
        change(HttpMethod.POST, ADAPTERS + "?src=" + encoded(sql), null);
        management.assertError(400, "BadRequest",
                "name is missing; give it as a query parameter or a JSON body field");

        change(HttpMethod.POST, ADAPTERS, "{\"name\": \" \", \"src\": \"" + sql + "\"}");
        management.assertError(400, "BadRequest", "name must not be blank");

        change(HttpMethod.POST, ADAPTERS, "{\"name\": \"sql\", \"src\": 7}");
        management.assertError(400, "BadRequest", "src must be a string, got 7");

        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=adapters/sql", null);
        management.assertError(400, "BadRequest",
                "src must be the absolute path of a local adapter directory (nothing is downloaded), got adapters/sql");

        change(HttpMethod.POST, ADAPTERS + "?name=sql&name=chat&src=" + encoded(sql), null);
        management.assertError(400, "BadRequest", "query parameter name is given 2 times");

        change(HttpMethod.POST, ADAPTERS + "?name=a%2Fb&src=" + encoded(sql), null);
        management.assertError(400, "BadRequest", "name must not contain '/', got a/b");

        change(HttpMethod.POST, ADAPTERS, "{\"name\": \"sql\"");
        management.assertError(400, "BadRequest", "request body is not valid JSON");
        assertTrue(adapters.list().isEmpty());
    }

    @Test
    void registerRefusesAnAdapterTheServerCannotServeNamingTheField() {
        Path wide = PeftAdapters.write(tempDir.resolve("wide"), PeftAdapters.configWith("r", "64"));

        change(HttpMethod.POST, ADAPTERS + "?name=wide&src=" + encoded(wide), null);

        management.assertError(400, "BadRequest",
                "adapter 'wide': adapter_config.json field r is 64, more than option.max_lora_rank 16");
    }

    @Test
    void registerRefusesANameTakenAs409() {
        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);

        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(chat), null);
        management.assertError(409, "Conflict", "adapter 'sql' is loaded already; update it or unload it first");

        change(HttpMethod.POST, ADAPTERS + "?name=" + TinyLlama.NAME + "&src=" + encoded(chat), null);
        management.assertError(409, "Conflict", "name tiny-llama is the base model's name");
    }

    @Test
    void updateReplacesTheWeightsUnderANewId() {
        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);

        change(HttpMethod.PUT, ADAPTERS + "/sql", "{\"src\": \"" + chat + "\"}");
        assertEquals("{\"status\":\"Adapter sql updated\"}", management.body());

        JsonNode updated = send(HttpMethod.GET, ADAPTERS + "/sql", null).json().path(0);
        assertEquals(2, updated.path("id").asInt());
        assertEquals(4, updated.path("rank").asInt());
        assertEquals(chat.toString(), updated.path("src").asText());

        change(HttpMethod.PUT, ADAPTERS + "/sql", null);
        management.assertError(400, "BadRequest", "src is missing");
    }

    @Test
    void unknownAdaptersAre404NamingThoseLoaded() {
        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);
        change(HttpMethod.POST, ADAPTERS + "?name=chat&src=" + encoded(chat), null);

        send(HttpMethod.GET, ADAPTERS + "/law", null);
        management.assertError(404, "NotFound", "adapter 'law' is not loaded; loaded: chat, sql");

        change(HttpMethod.PUT, ADAPTERS + "/law?src=" + encoded(sql), null);
        management.assertError(404, "NotFound", "adapter 'law' is not loaded; loaded: chat, sql");

        change(HttpMethod.DELETE, ADAPTERS + "/law", null);
        management.assertError(404, "NotFound", "adapter 'law' is not loaded; loaded: chat, sql");
    }

    @Test
    void unregisterRemovesIt() {
        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);

        change(HttpMethod.DELETE, ADAPTERS + "/sql", null);
        assertEquals("{\"status\":\"Adapter sql unregistered\"}", management.body());

        send(HttpMethod.GET, ADAPTERS + "/sql", null);
        management.assertError(404, "NotFound", "adapter 'sql' is not loaded; loaded: none");
        assertEquals("{\"adapters\":[]}", send(HttpMethod.GET, ADAPTERS, null).body());
    }

    @Test
    void anotherModelsAdaptersAre404NamingIt() {
        send(HttpMethod.GET, "/models/llama-70b/adapters", null);
        management.assertError(404, "NotFound", "model llama-70b is not served here; this server serves tiny-llama");

        send(HttpMethod.POST, "/models/llama-70b/adapters?name=sql&src=" + encoded(sql), null);
        management.assertError(404, "NotFound", "model llama-70b is not served here");
        assertTrue(pendingChanges.isEmpty());
    }

    @Test
    void vllmsLoadAndUnloadAnswerAsVllmDoes() {
        change(HttpMethod.POST, "/v1/load_lora_adapter", "{\"lora_name\": \"sql\", \"lora_path\": \"" + sql + "\"}");
        assertEquals(200, management.status());
        assertEquals("text/plain; charset=utf-8", management.header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("Success: LoRA adapter 'sql' added successfully.", management.body());
        assertEquals(1, adapters.find("sql").orElseThrow().id());

        change(HttpMethod.POST, "/v1/load_lora_adapter", "{\"lora_name\": \"sql\", \"lora_path\": \"" + chat + "\"}");
        management.assertError(409, "Conflict", "adapter 'sql' is loaded already");

        change(HttpMethod.POST, "/v1/load_lora_adapter", "{\"lora_name\": \"chat\"}");
        management.assertError(400, "BadRequest", "lora_path is missing");

        change(HttpMethod.POST, "/v1/unload_lora_adapter", "{\"lora_name\": \"sql\"}");
        assertEquals(200, management.status());
        assertEquals("Success: LoRA adapter 'sql' removed successfully.", management.body());

        change(HttpMethod.POST, "/v1/unload_lora_adapter", "{\"lora_name\": \"sql\"}");
        management.assertError(404, "NotFound", "adapter 'sql' is not loaded; loaded: none");

        change(HttpMethod.POST, "/v1/unload_lora_adapter", "{}");
        management.assertError(400, "BadRequest", "lora_name is missing");
    }

    @Test
    void withLoraOffEveryAdapterRouteIs400SayingHowToTurnItOn() {
        service.adapters = AdapterService.DISABLED;
        try (EmbeddedServer off = EmbeddedServer.management(service, pendingChanges::add)) {
            for (AdapterEndpoints.Route route : AdapterEndpoints.Route.values()) {
                String path = route.pattern.replace("{name}", TinyLlama.NAME).replace("{adapter}", "sql");
                off.next().send(route.method, path + "?name=sql&src=" + encoded(sql)).response();
                off.assertError(400, "BadRequest", LORA_OFF);
            }
        }
        assertTrue(pendingChanges.isEmpty());
    }

    @Test
    void aChangeIsAnsweredOnlyOnceItRanOffTheEventLoop() {
        management.send(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql)).response();
        assertEquals("", management.body(), "no answer before the change ran");
        assertTrue(adapters.list().isEmpty());

        runChanges();

        assertEquals(200, management.status());
        assertEquals(1, adapters.list().size());
    }

    @Test
    void aChangeThatFailsUnexpectedlyIs500() {
        adapters.failure = new IllegalStateException("the worker hung up");

        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);

        management.assertError(500, "InternalServerError",
                "internal error: IllegalStateException: the worker hung up");
    }

    @Test
    void aChangeTheWorkerCannotTakeIs503() {
        adapters.failure = new AdapterUnavailableException("adapter 'sql' could not be loaded: the model worker "
                + "failed (gone)", null);

        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);

        management.assertError(503, "ServiceUnavailable",
                "adapter 'sql' could not be loaded: the model worker failed (gone)");
    }

    @Test
    void v1ModelsListsTheAdaptersAfterTheBaseModelAsVllmDoes() {
        change(HttpMethod.POST, ADAPTERS + "?name=sql&src=" + encoded(sql), null);
        try (EmbeddedServer inference = new EmbeddedServer(service, new ServerMetrics())) {
            JsonNode data = inference.send(HttpMethod.GET, "/v1/models").response().json().path("data");
            assertEquals(2, data.size());
            assertEquals(TinyLlama.NAME, data.path(0).path("id").asText());
            assertTrue(data.path(0).path("parent").isNull());
            JsonNode card = data.path(1);
            assertEquals("sql", card.path("id").asText());
            assertEquals("model", card.path("object").asText());
            assertEquals(TinyLlama.NAME, card.path("parent").asText());
            assertEquals(sql.toString(), card.path("root").asText());
            assertEquals(InMemoryAdapterService.CREATED, card.path("created").asLong());

            JsonNode one = inference.next().send(HttpMethod.GET, "/v1/models/sql").response().json();
            assertEquals(card, one);

            inference.next().send(HttpMethod.GET, "/v1/models/law").response();
            inference.assertError(404, "NotFound",
                    "model law is not served here; this server serves tiny-llama and its adapters sql");
        }
    }

    @Test
    void onTheInferenceListenerEveryAdapterRouteIs404NamingTheManagementListener() {
        try (EmbeddedServer inference = new EmbeddedServer(service, new ServerMetrics())) {
            for (AdapterEndpoints.Route route : AdapterEndpoints.Route.values()) {
                String path = route.pattern.replace("{name}", TinyLlama.NAME).replace("{adapter}", "sql");
                inference.next().send(route.method, path, "{}").response();
                inference.assertError(404, "NotFound", route.method + " " + path
                        + " is served on the management listener (management_address), not on this port");
            }
        }
        assertTrue(adapters.list().isEmpty());
    }

    @Test
    void anEmbeddingModelsAdapterRoutesAre400NamingTheTask() {
        EmbeddingService embeddings = new EmbeddingService(new EmbeddingServiceSettings("minilm", tempDir,
                new EmbeddingSettings(tempDir, Pooling.MEAN, true, OptionalInt.empty(), false, 32, Duration.ZERO),
                10, 0, Map.of()), new ServerMetrics());
        try (EmbeddedServer embeddingManagement = EmbeddedServer.management(embeddings)) {
            for (AdapterEndpoints.Route route : AdapterEndpoints.Route.values()) {
                String path = route.pattern.replace("{name}", "minilm").replace("{adapter}", "sql");
                embeddingManagement.next().send(route.method, path, "{}").response();
                embeddingManagement.assertError(400, "BadRequest", "model minilm does not support the LoRA adapters "
                        + "API: it serves option.task=text-embedding, and " + path
                        + " needs option.task=text-generation");
            }
        }
    }

    /** Sends a request that changes adapters, runs the change, and reads the answer. */
    private void change(HttpMethod method, String uri, String jsonBody) {
        management.next().send(method, uri, jsonBody).response();
        runChanges();
    }

    private EmbeddedServer send(HttpMethod method, String uri, String jsonBody) {
        return management.next().send(method, uri, jsonBody).response();
    }

    private void runChanges() {
        for (Runnable change = pendingChanges.poll(); change != null; change = pendingChanges.poll()) {
            change.run();
        }
        management.response();
    }

    private void assertSql(JsonNode entry, int id) {
        assertEquals("sql", entry.path("name").asText());
        assertEquals(sql.toString(), entry.path("src").asText());
        assertEquals(id, entry.path("id").asInt());
        assertEquals(8, entry.path("rank").asInt());
        assertEquals(16.0, entry.path("alpha").asDouble());
        assertEquals("[\"q_proj\",\"v_proj\"]", entry.path("target_modules").toString());
        assertEquals(false, entry.path("use_rslora").asBoolean());
        assertEquals("TinyLlama/TinyLlama-1.1B", entry.path("base_model").asText());
        assertEquals(InMemoryAdapterService.CREATED, entry.path("created").asLong());
    }

    private static String encoded(Path path) {
        return URLEncoder.encode(path.toString(), StandardCharsets.UTF_8);
    }
}
