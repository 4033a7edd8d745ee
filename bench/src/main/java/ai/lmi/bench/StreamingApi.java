package ai.lmi.bench;

/** One request schema: where to POST, the streaming request body, and how to read the streamed lines. */
interface StreamingApi {

    /** The path to POST to, such as {@code /v1/completions}. */
    String path();

    /** The JSON body asking for a streamed generation. */
    String requestBody(BenchRequest request);

    /** Reads one line of a 200 response's body, which arrived at {@code arrivalNanos}. */
    void onLine(String line, long arrivalNanos, StreamRecorder recorder);

    /** What ends a complete stream, for the message of one that stops early. */
    String endMarker();
}
