package ai.lmi.server.worker;

/** The worker could not load or free a LoRA adapter (bad weights, wrong shapes, still in use); it serves on. */
public final class AdapterRefusedException extends RuntimeException {

    public AdapterRefusedException(String message) {
        super(message);
    }
}
