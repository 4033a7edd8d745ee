package ai.lmi.server.metrics;

/** The parts one engine step's time splits into, the {@code phase} label of {@code lmi_step_seconds}. */
public enum StepPhase {
    /** Java, on the engine thread: choosing the batch, then applying the result (tokens, text, events). */
    SCHEDULE("schedule"),
    /** Writing the step message and reading the result back, worker compute excluded. */
    IPC("ipc"),
    /** The worker's model forward pass, its input preparation included, as the worker reports it. */
    FORWARD("forward"),
    /** The worker's sampling of the next tokens, logprobs included, as the worker reports it. */
    SAMPLE("sample");

    private final String label;

    StepPhase(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
