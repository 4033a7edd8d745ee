package ai.lmi.bench;

import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;

/** A request schema whose response streams generated tokens as lines, each timed as it arrives. */
interface StreamingApi extends ServerApi {

    /** Reads one line of a 200 response's body, which arrived at {@code arrivalNanos}. */
    void onLine(String line, long arrivalNanos, StreamRecorder recorder);

    @Override
    default BodySubscriber<Void> okBody(StreamRecorder recorder) {
        return BodySubscribers.fromLineSubscriber(
                new LineSubscriber(line -> onLine(line, System.nanoTime(), recorder)),
                subscriber -> null, StandardCharsets.UTF_8, null);
    }
}
