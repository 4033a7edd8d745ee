package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** One streamed generation, read on its own thread as it arrives: one entry per token, then the finish reason. */
final class StreamedTokens {
    private final List<String> tokens = new CopyOnWriteArrayList<>();
    private final CompletableFuture<List<String>> done;

    private StreamedTokens(boolean jsonLines, BufferedReader reader) {
        done = CompletableFuture.supplyAsync(() -> read(jsonLines, reader));
    }

    /**
     * POSTs a streaming {@code body} to {@code path}: JSON lines for {@code /invocations}, server-sent events for
     * the OpenAI routes.
     */
    static StreamedTokens open(TestServer server, String path, String body) {
        HttpResponse<InputStream> response = server.sendStreaming(server.postRequest(path, body));
        assertEquals(200, response.statusCode(), body);
        return new StreamedTokens(path.equals("/invocations"),
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)));
    }

    int tokensSoFar() {
        return tokens.size();
    }

    /** Every entry, once the stream ended. */
    List<String> finish() {
        return done.join();
    }

    /**
     * Each token as its id and text for JSON lines, or its text for server-sent events, whose chunks carry no
     * id; the last entry is the finish reason.
     */
    private List<String> read(boolean jsonLines, BufferedReader reader) {
        try (reader) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (jsonLines) {
                    JsonNode event = TestServer.json(line);
                    tokens.add(event.path("token").path("id").asInt() + " " + event.path("token").path("text"));
                    if (event.has("generated_text")) {
                        tokens.add("finish: " + event.path("details").path("finish_reason").asText("(none)"));
                    }
                } else if (line.startsWith("data: {")) {
                    JsonNode choice = TestServer.json(line.substring("data: ".length())).path("choices").path(0);
                    tokens.add(choice.path("text").toString());
                    if (!choice.path("finish_reason").isNull()) {
                        tokens.add("finish: " + choice.path("finish_reason").asText());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(tokens);
    }
}
