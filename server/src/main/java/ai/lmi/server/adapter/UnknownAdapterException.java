package ai.lmi.server.adapter;

import java.util.Collection;

/** No adapter of that name is loaded (404). */
public final class UnknownAdapterException extends AdapterException {

    /** @param loaded the names requests may use now, listed in the message */
    public UnknownAdapterException(String name, Collection<String> loaded) {
        super("adapter '" + name + "' is not loaded; loaded: "
                + (loaded.isEmpty() ? "none" : String.join(", ", loaded)));
    }
}
