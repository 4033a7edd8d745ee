package ai.lmi.server.adapter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The adapters of the served model, as the HTTP layer manages them; the engine implements it. */
public interface AdapterService {

    /** For a model started without {@code option.enable_lora}: none loaded, and none can be. */
    AdapterService DISABLED = new DisabledAdapterService();

    /** Whether the model serves adapters ({@code option.enable_lora}). */
    boolean enabled();

    /** The adapters that requests may name, by name. */
    List<Adapter> list();

    Optional<Adapter> find(String name);

    /**
     * Loads {@code source} as {@code name}, blocking until the worker holds it.
     *
     * @throws AdapterConflictException when {@code name} is loaded already
     * @throws AdapterException when the directory is not a servable adapter, LoRA is off, or the worker refused it
     */
    Adapter load(String name, Path source);

    /**
     * Replaces {@code name}'s weights by those of {@code source}: new requests get the new ones, running ones finish
     * on the old. Blocks until the worker holds the new weights.
     *
     * @throws UnknownAdapterException when {@code name} is not loaded
     */
    Adapter update(String name, Path source);

    /**
     * New requests naming it get 404 at once; running ones finish first, then the worker frees it.
     *
     * @return the adapter as it was
     * @throws UnknownAdapterException when {@code name} is not loaded
     */
    Adapter unload(String name);
}
