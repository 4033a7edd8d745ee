package ai.lmi.server.adapter;

/** An adapter of that name is loaded already (409): update it, or unload it first. */
public final class AdapterConflictException extends AdapterException {

    public AdapterConflictException(String name) {
        super("adapter '" + name + "' is loaded already; update it or unload it first");
    }
}
