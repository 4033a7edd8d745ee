package ai.lmi.server.structured;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code format}s enforced: exactly the strings networknt's validators accept, or a subset of them where those are
 * laxer than a model needs (a lowercase {@code t} or {@code z}, leap seconds). Offsets stop at 17:59 because
 * java.time rejects date-times beyond ±18:00, and {@code -00:00} because networknt rejects it in date-times.
 */
final class StringFormats {

    /** The regex of a format's strings (without quotes; ASCII, so never escaped), and their lengths. */
    record Format(String regex, int minLength, int maxLength) {}

    private static final String LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)";
    private static final String DATE = "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
            + "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|" + LEAP_YEAR + "-02-29)";
    private static final String OFFSET = "(?:Z|\\+(?:0[0-9]|1[0-7]):[0-5][0-9]"
            + "|-(?:00:(?:0[1-9]|[1-5][0-9])|(?:0[1-9]|1[0-7]):[0-5][0-9]))";
    private static final String TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?" + OFFSET;
    private static final String HEX = "[0-9a-fA-F]";

    private static final Map<String, Format> FORMATS = Map.of(
            "date", new Format(DATE, 10, 10),
            "time", new Format(TIME, 9, 24),
            "date-time", new Format(DATE + "T" + TIME, 20, 35),
            "uuid", new Format(HEX + "{8}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{12}", 36, 36));

    private StringFormats() {}

    static Optional<Format> named(String format) {
        return Optional.ofNullable(FORMATS.get(format));
    }

    static String names() {
        return "date, time, date-time, uuid";
    }
}
