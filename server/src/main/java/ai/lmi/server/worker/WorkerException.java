package ai.lmi.server.worker;

/** The worker failed, broke the protocol or did not answer in time; it is unusable (and killed) afterwards. */
public class WorkerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WorkerException(String message) {
        super(message);
    }

    public WorkerException(String message, Throwable cause) {
        super(message, cause);
    }
}
