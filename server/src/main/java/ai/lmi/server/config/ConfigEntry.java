package ai.lmi.server.config;

/** One key and its raw text as one source gave it, before validation. */
record ConfigEntry(String key, String value, ConfigSource source) {

    /** How an invalid entry is reported: {@code key=value (from source): what is allowed}. */
    String invalid(String allowed) {
        return key + "=" + value + " (from " + source + "): " + allowed;
    }
}
