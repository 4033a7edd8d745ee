package ai.lmi.server.worker;

/** No worker could be started: no usable Python, a spawn failure, a failed handshake or engine load. */
public final class WorkerStartException extends WorkerException {

    private static final long serialVersionUID = 1L;

    public WorkerStartException(String message) {
        super(message);
    }

    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
