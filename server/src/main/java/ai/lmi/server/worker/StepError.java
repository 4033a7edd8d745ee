package ai.lmi.server.worker;

/** The worker rejected one step (a STEP_ERROR message): the step changed nothing and the worker stays up. */
public final class StepError extends RuntimeException {

    /** Malformed message, arrays or offsets. */
    public static final int BAD_STEP = 1;
    /** A scheduled sequence was never sent as new, or was finished. */
    public static final int UNKNOWN_SEQUENCE = 2;
    /** A sequence's positions reach past its block table. */
    public static final int BLOCK_TABLE_TOO_SHORT = 3;
    /** A position is negative or beyond max_model_len. */
    public static final int POSITION_PAST_MAX_LEN = 4;
    /** Anything else went wrong in the step (the traceback is in the worker's log), or its result was too large. */
    public static final int INTERNAL = 100;

    private static final long serialVersionUID = 1L;

    private final long stepId;
    private final int code;

    public StepError(long stepId, int code, String message) {
        super("step " + stepId + " failed (code " + code + "): " + message);
        this.stepId = stepId;
        this.code = code;
    }

    public long stepId() {
        return stepId;
    }

    /** One of the codes above; the protocol may add others. */
    public int code() {
        return code;
    }
}
