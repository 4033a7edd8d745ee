package ai.lmi.bench;

/** The benchmark cannot start or finish: the server is unreachable, a file cannot be written. Exit status 1. */
public final class BenchException extends Exception {

    public BenchException(String message) {
        super(message, null, false, false);
    }

    public BenchException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
