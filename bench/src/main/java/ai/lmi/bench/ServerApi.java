package ai.lmi.bench;

import java.net.http.HttpResponse.BodySubscriber;

/** One request schema: where to POST, the request body, and how to read a 200 response into its record. */
interface ServerApi {

    /** The path to POST to, such as {@code /v1/completions}. */
    String path();

    /** The JSON body of {@code request}. */
    String requestBody(BenchRequest request);

    /** Reads a 200 response's body into {@code recorder} as it arrives. */
    BodySubscriber<Void> okBody(StreamRecorder recorder);

    /** What ends a complete response, for the message of one that stops early. */
    String endMarker();
}
