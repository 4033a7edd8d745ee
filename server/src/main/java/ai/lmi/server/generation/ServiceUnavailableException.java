package ai.lmi.server.generation;

/** The model cannot take the request now: still loading, restarting, or its queue is full. */
public class ServiceUnavailableException extends Exception {

    private final int retryAfterSeconds;

    public ServiceUnavailableException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
