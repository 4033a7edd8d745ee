package ai.lmi.bench;

import java.util.List;
import java.util.Locale;

/**
 * Service-level limits for {@code --goodput}: a request is good when it completed and meets every limit given.
 * A request with one output token has no TPOT and passes that limit, as in vLLM.
 *
 * @param ttftMs null when not limited; likewise the others
 */
public record Goodput(Double ttftMs, Double tpotMs, Double e2elMs) {

    static final String FLAG = "--goodput";

    /** Parses {@code ttft:MS,tpot:MS,e2el:MS}, any non-empty subset. */
    static Goodput parse(String spec) throws UsageException {
        Double ttft = null;
        Double tpot = null;
        Double e2el = null;
        for (String item : spec.split(",", -1)) {
            String[] pair = item.strip().split(":", -1);
            if (pair.length != 2) {
                throw new UsageException(FLAG + " takes metric:milliseconds pairs such as ttft:200,tpot:50,e2el:5000;"
                        + " got '" + item + "'");
            }
            double limit = limit(pair[1]);
            switch (pair[0].strip().toLowerCase(Locale.ROOT)) {
                case "ttft" -> ttft = limit;
                case "tpot" -> tpot = limit;
                case "e2el" -> e2el = limit;
                default -> throw new UsageException(FLAG + " metrics are ttft, tpot and e2el; got '" + pair[0] + "'");
            }
        }
        return new Goodput(ttft, tpot, e2el);
    }

    private static double limit(String text) throws UsageException {
        try {
            double value = Double.parseDouble(text.strip());
            if (value > 0 && Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new UsageException(FLAG + " limits must be positive milliseconds, got '" + text + "'");
    }

    boolean isGood(RequestRecord record) {
        return record.ok()
                && (ttftMs == null || record.ttftMs() <= ttftMs)
                && (tpotMs == null || record.tpotMs().orElse(0) <= tpotMs)
                && (e2elMs == null || record.e2elMs() <= e2elMs);
    }

    /** Classifies a run's requests; the fraction is of all requests sent, failed ones counting as not good. */
    Result measure(List<RequestRecord> records, double durationS) {
        int good = (int) records.stream().filter(this::isGood).count();
        return new Result(this, good, good / durationS, records.isEmpty() ? 0 : (double) good / records.size());
    }

    /** How many requests of a run were good, and how many per second. */
    public record Result(Goodput limits, int goodRequests, double requestsPerSecond, double fraction) {}
}
