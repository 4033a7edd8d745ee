package ai.lmi.bench;

/** A bad command line; the message names the flag and what it accepts. The tool exits with status 2. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        // No stack trace: this is an answer to the user, not a bug.
        super(message, null, false, false);
    }
}
