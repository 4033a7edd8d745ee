package ai.lmi.server.config;

/**
 * A configured value that must never be shown, such as {@code option.api_key}: the effective configuration, the
 * start-up log and anything else that prints it get {@value #REDACTED}; only {@link #reveal()} gives the text.
 */
public final class Secret {

    /** What a secret prints as, set or not the same length, so that nothing about it shows. */
    public static final String REDACTED = "****";

    private final String text;

    public Secret(String text) {
        this.text = text;
    }

    /** The secret text itself, for the one place that compares against it. */
    public String reveal() {
        return text;
    }

    @Override
    public String toString() {
        return REDACTED;
    }
}
