package ai.lmi.server.http;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.adapter.AdapterConfig;
import ai.lmi.server.adapter.AdapterConflictException;
import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.adapter.UnknownAdapterException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Adapters without a worker: each load reads the directory with {@link AdapterConfig#read} and keeps the result. */
final class InMemoryAdapterService implements AdapterService {

    static final long CREATED = 1700000100L;

    private final int maxLoraRank;
    private final Map<String, Adapter> loaded = new TreeMap<>();
    private int nextId = 1;
    /** When set, every load and update throws it: a worker that broke. */
    volatile RuntimeException failure;

    InMemoryAdapterService(int maxLoraRank) {
        this.maxLoraRank = maxLoraRank;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public synchronized List<Adapter> list() {
        return List.copyOf(loaded.values());
    }

    @Override
    public synchronized Optional<Adapter> find(String name) {
        return Optional.ofNullable(loaded.get(name));
    }

    @Override
    public synchronized Adapter load(String name, Path source) {
        if (loaded.containsKey(name)) {
            throw new AdapterConflictException(name);
        }
        return put(name, source);
    }

    @Override
    public synchronized Adapter update(String name, Path source) {
        loadedOne(name);
        return put(name, source);
    }

    @Override
    public synchronized Adapter unload(String name) {
        return loaded.remove(loadedOne(name).name());
    }

    private Adapter put(String name, Path source) {
        if (failure != null) {
            throw failure;
        }
        Adapter adapter = new Adapter(nextId++, name, source, AdapterConfig.read(name, source, maxLoraRank), CREATED);
        loaded.put(name, adapter);
        return adapter;
    }

    private Adapter loadedOne(String name) {
        Adapter adapter = loaded.get(name);
        if (adapter == null) {
            throw new UnknownAdapterException(name, loaded.keySet());
        }
        return adapter;
    }
}
