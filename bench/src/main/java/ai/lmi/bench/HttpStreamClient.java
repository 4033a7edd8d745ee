package ai.lmi.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends requests asynchronously and times their responses as they arrive, every line of a streamed one, so that
 * many requests in flight need no thread each. Every request ends in a {@link RequestRecord}: failures are
 * recorded, never thrown.
 */
final class HttpStreamClient {

    private final HttpClient client;
    private final URI endpoint;
    private final ApiKey apiKey;
    private final ServerApi api;
    private final Duration timeout;
    private final ScheduledExecutorService timers;

    HttpStreamClient(HttpClient client, URI baseUrl, ApiKey apiKey, ServerApi api, Duration timeout,
            ScheduledExecutorService timers) {
        this.client = client;
        this.endpoint = URI.create(baseUrl + api.path());
        this.apiKey = apiKey;
        this.api = api;
        this.timeout = timeout;
        this.timers = timers;
    }

    /** Sends {@code request}; the future always completes normally. */
    CompletableFuture<RequestRecord> send(BenchRequest request) {
        HttpRequest http = apiKey.authorize(HttpRequest.newBuilder(endpoint))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(api.requestBody(request)))
                .build();
        StreamRecorder recorder = new StreamRecorder(System.nanoTime(), request.prompt().tokenCount(),
                api.endMarker());
        CompletableFuture<HttpResponse<Void>> exchange = client.sendAsync(http, info -> body(info, recorder));
        // HttpRequest.timeout covers only the wait for the headers; a stream may stall after them.
        ScheduledFuture<?> timer = timers.schedule(() -> {
            recorder.fail(new RequestError(RequestError.TIMEOUT,
                    "no complete response within " + Numbers.compact(timeout.toMillis() / 1000.0) + " s"));
            exchange.cancel(true);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return exchange.handle((ignored, failure) -> {
            timer.cancel(false);
            if (failure != null) {
                recorder.fail(connectionError(failure));
            }
            return recorder.finish(System.nanoTime());
        });
    }

    private BodySubscriber<Void> body(ResponseInfo info, StreamRecorder recorder) {
        if (info.statusCode() != 200) {
            return BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), text -> {
                recorder.fail(RequestError.http(info.statusCode(), ErrorMessages.fromBody(info.statusCode(), text)));
                return null;
            });
        }
        return api.okBody(recorder);
    }

    private static RequestError connectionError(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof CancellationException) {
            // Only the timeout cancels, after recording its own error, which wins over this one.
            return new RequestError(RequestError.TIMEOUT, "cancelled");
        }
        String message = cause.getMessage();
        return new RequestError(RequestError.CONNECTION,
                cause.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }
}
