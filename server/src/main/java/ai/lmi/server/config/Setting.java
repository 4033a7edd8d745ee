package ai.lmi.server.config;

/** The effective, validated value of one key (null when unset) and the source it came from. */
record Setting(Object value, ConfigSource source) {}
