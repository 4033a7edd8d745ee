package ai.lmi.server.worker;

/** The worker process exited or closed its socket while the parent waited for it. */
public final class WorkerDiedException extends WorkerException {

    private static final long serialVersionUID = 1L;

    public WorkerDiedException(String message) {
        super(message);
    }
}
