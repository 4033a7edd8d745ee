package ai.lmi.server.tokenizer;

import java.util.List;
import java.util.Optional;

/**
 * Finds stop strings in a sequence's text as it streams in chunks, across chunk boundaries.
 *
 * <p>Text is released as soon as it cannot be part of a stop string: a tail of the text that a
 * stop string starts with is held back until the next chunk settles it. The sequence stops at the
 * first point where a stop string is complete, as if the text came one character at a time, so
 * the result does not depend on how it was chunked; of stop strings completed at the same
 * character the one starting first (the longest) wins. The stop string itself and everything
 * after it are never released. Not thread-safe: one per sequence.
 */
public final class StopSequenceMatcher {

    /** What one chunk released, and the stop string if it completed one. */
    public record Emission(String text, Optional<String> stopSequence) {

        /** True once a stop string completed: the sequence is finished. */
        public boolean stopped() {
            return stopSequence.isPresent();
        }
    }

    private final List<String> stopSequences;
    private final StringBuilder released = new StringBuilder();
    /** Text received but not released: a tail that may begin a stop string. */
    private String held = "";
    private Optional<String> matched = Optional.empty();

    /** @param stopSequences the stop strings; none may be empty */
    public StopSequenceMatcher(List<String> stopSequences) {
        for (String stop : stopSequences) {
            if (stop == null || stop.isEmpty()) {
                throw new IllegalArgumentException("stop sequences must not be empty: " + stopSequences);
            }
        }
        this.stopSequences = List.copyOf(stopSequences);
    }

    /** Takes the next chunk of text; after a stop, further chunks are ignored. */
    public Emission append(String chunk) {
        if (matched.isPresent()) {
            return new Emission("", matched);
        }
        String text = held + chunk;
        int stopStart = -1;
        int stopEnd = Integer.MAX_VALUE;
        for (String stop : stopSequences) {
            int start = text.indexOf(stop);
            int end = start + stop.length();
            if (start >= 0 && (end < stopEnd || (end == stopEnd && start < stopStart))) {
                stopStart = start;
                stopEnd = end;
                matched = Optional.of(stop);
            }
        }
        if (matched.isPresent()) {
            held = "";
            return release(text.substring(0, stopStart));
        }
        int keep = longestStopPrefixAtEnd(text);
        held = text.substring(text.length() - keep);
        return release(text.substring(0, text.length() - keep));
    }

    /** At the end of the sequence: releases the held-back tail, which no stop string completed. */
    public Emission flush() {
        String tail = held;
        held = "";
        return release(tail);
    }

    /** Everything released so far: once stopped, the final text without the stop string. */
    public String text() {
        return released.toString();
    }

    private Emission release(String text) {
        released.append(text);
        return new Emission(text, matched);
    }

    private int longestStopPrefixAtEnd(String text) {
        int longest = 0;
        for (String stop : stopSequences) {
            for (int length = Math.min(stop.length() - 1, text.length()); length > longest; length--) {
                if (text.regionMatches(text.length() - length, stop, 0, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
