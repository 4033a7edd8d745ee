package ai.lmi.server.adapter;

/** The model's worker could not take the change: it failed, or did not answer in time (503, not the caller's fault). */
public final class AdapterUnavailableException extends AdapterException {

    public AdapterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
