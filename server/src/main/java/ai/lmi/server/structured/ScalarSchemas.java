package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/** The string, integer and number subschemas: their keywords turned into a regex, or refused. */
final class ScalarSchemas {

    private static final BigDecimal BOUND = BigDecimal.valueOf(IntegerRangeRegex.BOUND);

    private final Dialect dialect;

    ScalarSchemas(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Strings: minLength, maxLength, pattern, format. */
    String string(JsonNode schema, Location at) {
        int minLength = SchemaKeywords.nonNegativeInteger(schema, "minLength", at, 0);
        int maxLength = SchemaKeywords.nonNegativeInteger(schema, "maxLength", at, -1);
        if (maxLength != -1 && minLength > maxLength) {
            throw at.keywordError("minLength", "exceeds maxLength: " + minLength + " > " + maxLength);
        }
        String formatName = SchemaKeywords.string(schema, "format", at);
        Optional<StringFormats.Format> format = formatName == null ? Optional.empty() : StringFormats.named(formatName);
        if (formatName != null && format.isEmpty() && dialect.assertsFormat()) {
            throw at.keywordError("format", "\"" + formatName + "\" is not supported in drafts 4 to 7, where validators"
                    + " assert formats (supported: " + StringFormats.names() + "; any other is ignored in 2020-12)");
        }
        String pattern = SchemaKeywords.string(schema, "pattern", at);
        if (format.isPresent() && pattern != null) {
            throw at.keywordError("pattern", "is not supported together with format \"" + formatName + "\"");
        }
        if (format.isPresent()) {
            StringFormats.Format f = format.get();
            checkLengths(at, f.minLength(), f.maxLength(), minLength, maxLength, "format \"" + formatName + "\"");
            return "\"" + f.regex() + "\"";
        }
        if (pattern != null) {
            PatternRegex.Translation translation;
            try {
                translation = PatternRegex.of(pattern);
            } catch (IllegalArgumentException e) {
                throw at.keywordError("pattern", e.getMessage());
            }
            checkLengths(at, translation.minLength(), translation.maxLength(), minLength, maxLength, "the pattern");
            return "\"" + translation.regex() + "\"";
        }
        return JsonRegexParts.string(minLength, maxLength);
    }

    /**
     * A regex cannot intersect a pattern or format with a length range, but none is needed where every string of the
     * pattern or format already has an allowed length.
     */
    private static void checkLengths(Location at, int shortest, int longest, int minLength, int maxLength, String what) {
        if (shortest < minLength) {
            throw at.keywordError("minLength", "is not supported together with " + what
                    + " unless all its strings are at least that long");
        }
        if (maxLength != -1 && (longest == -1 || longest > maxLength)) {
            throw at.keywordError("maxLength", "is not supported together with " + what
                    + " unless all its strings are at most that long");
        }
    }

    /** Integers: minimum, maximum, exclusiveMinimum, exclusiveMaximum; exactly, within the 16-digit bound. */
    String integer(JsonNode schema, Location at) {
        BigDecimal minimum = SchemaKeywords.number(schema, "minimum", at);
        BigDecimal exclusiveMinimum = SchemaKeywords.number(schema, "exclusiveMinimum", at);
        BigDecimal maximum = SchemaKeywords.number(schema, "maximum", at);
        BigDecimal exclusiveMaximum = SchemaKeywords.number(schema, "exclusiveMaximum", at);
        if (minimum == null && exclusiveMinimum == null && maximum == null && exclusiveMaximum == null) {
            return JsonRegexParts.INTEGER;
        }
        BigDecimal low = BOUND.negate();
        if (minimum != null) {
            low = low.max(minimum.setScale(0, RoundingMode.CEILING));
        }
        if (exclusiveMinimum != null) {
            low = low.max(exclusiveMinimum.setScale(0, RoundingMode.FLOOR).add(BigDecimal.ONE));
        }
        BigDecimal high = BOUND;
        if (maximum != null) {
            high = high.min(maximum.setScale(0, RoundingMode.FLOOR));
        }
        if (exclusiveMaximum != null) {
            high = high.min(exclusiveMaximum.setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE));
        }
        if (low.compareTo(high) > 0) {
            String keyword = low.compareTo(BOUND) > 0 ? (minimum != null ? "minimum" : "exclusiveMinimum")
                    : high.compareTo(BOUND.negate()) < 0 ? (maximum != null ? "maximum" : "exclusiveMaximum")
                    : null;
            if (keyword != null) {
                throw at.keywordError(keyword, "leaves no integer of at most 16 digits, the most that is written");
            }
            throw at.error("no integer satisfies the bounds (minimum, maximum, exclusiveMinimum, exclusiveMaximum)");
        }
        return IntegerRangeRegex.of(low.longValueExact(), high.longValueExact());
    }

    /** Numbers: of the bounds, only minimum 0 and exclusiveMinimum 0, which a regex states on the sign and digits. */
    String number(JsonNode schema, Location at) {
        for (String keyword : new String[] {"maximum", "exclusiveMaximum"}) {
            if (SchemaKeywords.number(schema, keyword, at) != null) {
                throw refusedBound(at, keyword);
            }
        }
        BigDecimal minimum = SchemaKeywords.number(schema, "minimum", at);
        BigDecimal exclusiveMinimum = SchemaKeywords.number(schema, "exclusiveMinimum", at);
        if (minimum != null && minimum.signum() != 0) {
            throw refusedBound(at, "minimum");
        }
        if (exclusiveMinimum != null && exclusiveMinimum.signum() != 0) {
            throw refusedBound(at, "exclusiveMinimum");
        }
        if (exclusiveMinimum != null) {
            return JsonRegexParts.POSITIVE_NUMBER;
        }
        return minimum != null ? JsonRegexParts.NON_NEGATIVE_NUMBER : JsonRegexParts.NUMBER;
    }

    private static IllegalArgumentException refusedBound(Location at, String keyword) {
        return at.keywordError(keyword, "is not supported for numbers, except minimum 0 and exclusiveMinimum 0"
                + " (for integers, with \"type\": \"integer\", all bounds are)");
    }
}
