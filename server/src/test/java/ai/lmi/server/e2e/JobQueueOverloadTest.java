package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Past {@code job_queue_size}, generation requests get 503 with {@code Retry-After} at once. The worker is paused
 * (SIGSTOP) while they arrive, so the admitted requests cannot finish: every 503 must come while they are still
 * in flight, never after them. Once resumed, the admitted ones finish with their golden text.
 */
class JobQueueOverloadTest extends SharedServerTest {

    private static final int JOB_QUEUE_SIZE = 4;
    private static final int REQUESTS = 24;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String BLOCKS_USED = "lmi_kv_cache_blocks_used";
    private static final String QUEUE_FULL = "status=\"503\"";

    @Override
    TestServer start(Path work) {
        return TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--job_queue_size", String.valueOf(JOB_QUEUE_SIZE));
    }

    /** The four kinds of generation request, by index: completions or invocations, whole or streamed. */
    private record Call(Golden golden, boolean invocation, boolean stream) {

        static Call of(int index, List<Golden> cases) {
            return new Call(cases.get(index % cases.size()), index % 2 == 0, index / 2 % 2 == 0);
        }

        CompletableFuture<HttpResponse<String>> send(TestServer server) {
            int maxTokens = golden.outputIds().length;
            return invocation
                    ? server.postAsync("/invocations", Requests.greedyInvocation(golden.prompt(), maxTokens, stream))
                    : server.postAsync("/v1/completions", Requests.greedyCompletion(golden.promptIds(), maxTokens,
                            "\"stream\": " + stream));
        }

        /** The text a 200 response generated, from its body in this call's format. */
        String generatedText(String body) {
            if (!stream) {
                JsonNode json = TestServer.json(body);
                return invocation ? json.path("generated_text").asText()
                        : json.path("choices").path(0).path("text").asText();
            }
            StringBuilder text = new StringBuilder();
            if (invocation) {
                for (String line : body.split("\n")) {
                    text.append(TestServer.json(line).path("token").path("text").asText());
                }
            } else {
                for (JsonNode event : ServerSentEvents.parse(body)) {
                    text.append(event.path("choices").path(0).path("text").asText());
                }
            }
            return text.toString();
        }
    }

    @Test
    void requestsPastTheQueueGet503AtOnceWhileTheAdmittedOnesRunToTheirEnd() throws Exception {
        List<Golden> cases = Golden.cases();
        double idle = server.metric(BLOCKS_USED);
        double refusedBefore = server.metric("lmi_requests_total", QUEUE_FULL);
        ProcessHandle worker = onlyWorker();

        List<Call> calls = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        signal(worker, "STOP");
        try {
            for (int i = 0; i < REQUESTS; i++) {
                calls.add(Call.of(i, cases));
                pending.add(calls.get(i).send(server));
            }
            TestServer.await("the requests past job_queue_size to be answered", DEADLINE,
                    () -> pending.stream().filter(CompletableFuture::isDone).count(),
                    done -> done >= REQUESTS - JOB_QUEUE_SIZE);

            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> call : pending) {
                if (call.isDone()) {
                    HttpResponse<String> response = call.join();
                    ErrorResponses.assertError(response, 503, "the job queue is full (job_queue_size 4)");
                    assertEquals("1", response.headers().firstValue("retry-after").orElse(""), response.body());
                    refused++;
                }
            }
            assertEquals(REQUESTS - JOB_QUEUE_SIZE, refused, "the worker is paused: only refusals can be answered");
            assertEquals(refusedBefore + refused, server.metric("lmi_requests_total", QUEUE_FULL));
        } finally {
            signal(worker, "CONT");
        }

        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> response = pending.get(i).join();
            if (response.statusCode() != 503) {
                assertEquals(200, response.statusCode(), response.body());
                Call call = calls.get(i);
                assertEquals(call.golden().outputText(), call.generatedText(response.body()), "request " + i + " "
                        + call);
            }
        }
        TestServer.await("blocks back to their idle count " + idle, DEADLINE, () -> server.metric(BLOCKS_USED),
                used -> used == idle);
        assertEquals(0, server.metric("lmi_requests_running"));
        Golden golden = cases.get(0);
        JsonNode after = server.postOk("/v1/completions",
                Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, ""));
        assertEquals(golden.outputText(), after.path("choices").path(0).path("text").asText());
    }

    /** The worker of this class's server: the one live descendant that runs {@code lmi_worker}. */
    private static ProcessHandle onlyWorker() {
        return TestServer.await("exactly one worker process", DEADLINE,
                () -> ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().commandLine().orElse("").contains("-m lmi_worker")).toList(),
                workers -> workers.size() == 1).get(0);
    }

    private static void signal(ProcessHandle process, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + process.pid());
        assertTrue(process.isAlive());
    }
}
