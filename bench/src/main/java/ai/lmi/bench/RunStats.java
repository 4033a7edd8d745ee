package ai.lmi.bench;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What one run measured, with vLLM's {@code bench serve} definitions: failed requests are counted but left
 * out of the latencies and throughputs; the duration runs from the first send to the last completion.
 *
 * @param goodput null without {@code --goodput}
 * @param stepSplit null when the server's metrics were not scraped, and for embeddings
 * @param embeddingBatches null unless the server's embedding batch metrics were scraped
 */
public record RunStats(
        LoadPattern load,
        int numRequests,
        int completed,
        int failed,
        Map<String, ErrorCount> errors,
        double durationS,
        double requestThroughput,
        double outputThroughput,
        double totalTokenThroughput,
        long totalInputTokens,
        long totalOutputTokens,
        Distribution ttftMs,
        Distribution tpotMs,
        Distribution itlMs,
        Distribution e2elMs,
        Goodput.Result goodput,
        StepSplit stepSplit,
        EmbeddingBatches embeddingBatches) {

    private static final double NANOS_PER_SECOND = 1e9;

    /** How often one kind of error happened, and its first message in request order. */
    public record ErrorCount(int count, String firstMessage) {}

    /** @param records one per request sent, in request order */
    static RunStats of(LoadPattern load, List<RequestRecord> records, Goodput goodput, StepSplit stepSplit,
            EmbeddingBatches embeddingBatches) {
        long firstSend = Long.MAX_VALUE;
        long lastEnd = Long.MIN_VALUE;
        Map<String, ErrorCount> errors = new LinkedHashMap<>();
        List<RequestRecord> completed = records.stream().filter(RequestRecord::ok).toList();
        for (RequestRecord record : records) {
            firstSend = Math.min(firstSend, record.sendNanos());
            lastEnd = Math.max(lastEnd, record.endNanos());
            if (!record.ok()) {
                RequestError error = record.error();
                errors.merge(error.kind(), new ErrorCount(1, error.message()),
                        (first, next) -> new ErrorCount(first.count() + 1, first.firstMessage()));
            }
        }
        double durationS = records.isEmpty() ? 0 : (lastEnd - firstSend) / NANOS_PER_SECOND;
        long inputTokens = completed.stream().mapToLong(RequestRecord::inputTokens).sum();
        long outputTokens = completed.stream().mapToLong(RequestRecord::outputTokens).sum();
        return new RunStats(load, records.size(), completed.size(), records.size() - completed.size(),
                Collections.unmodifiableMap(errors), durationS,
                perSecond(completed.size(), durationS), perSecond(outputTokens, durationS),
                perSecond(inputTokens + outputTokens, durationS), inputTokens, outputTokens,
                Distribution.of(completed.stream().mapToDouble(RequestRecord::ttftMs).toArray()),
                Distribution.of(completed.stream().map(RequestRecord::tpotMs).filter(OptionalDouble::isPresent)
                        .mapToDouble(OptionalDouble::getAsDouble).toArray()),
                Distribution.of(completed.stream().flatMapToDouble(r -> Arrays.stream(r.itlMs()))
                        .toArray()),
                Distribution.of(completed.stream().mapToDouble(RequestRecord::e2elMs).toArray()),
                goodput == null ? null : goodput.measure(records, durationS),
                stepSplit, embeddingBatches);
    }

    /** Input tokens of completed requests per second. */
    public double inputThroughput() {
        return perSecond(totalInputTokens, durationS);
    }

    private static double perSecond(double amount, double seconds) {
        return seconds > 0 ? amount / seconds : 0;
    }
}
