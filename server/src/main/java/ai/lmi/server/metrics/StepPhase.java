package ai.lmi.server.metrics;

/** The parts one engine step's time splits into, the {@code phase} label of {@code lmi_step_seconds}. */
public enum StepPhase {
    /** Java: choosing the batch and allocating KV blocks. */
    SCHEDULE("schedule"),
    /** Writing the step message and reading the result back, worker compute excluded. */
    IPC("ipc"),
    /** The worker's forward pass and sampling, as the worker reports it. */
    FORWARD("forward");

    private final String label;

    StepPhase(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
