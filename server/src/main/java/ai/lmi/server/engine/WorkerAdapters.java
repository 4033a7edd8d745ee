package ai.lmi.server.engine;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.worker.AdapterRefusedException;
import ai.lmi.server.worker.WorkerGroup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapters the worker holds, as the engine thread keeps them: loaded on request, loaded all again into a new
 * worker, and freed once retired (unloaded or replaced) and no request or worker sequence uses them. Engine thread
 * only.
 */
final class WorkerAdapters {
    private static final Logger log = LoggerFactory.getLogger(WorkerAdapters.class);

    private final Map<Integer, Adapter> loaded = new LinkedHashMap<>();
    private final Set<Integer> retiring = new HashSet<>();

    /** Loads {@code adapter} into {@code worker}; AdapterRefusedException when the worker refuses it. */
    void load(WorkerGroup worker, Adapter adapter) {
        worker.registerAdapter(adapter.id(), adapter.name(), adapter.source().toString());
        loaded.put(adapter.id(), adapter);
    }

    /** Whether a request may run with adapter {@code id}: it is in the worker, retiring or not. */
    boolean isLoaded(int id) {
        return loaded.containsKey(id);
    }

    /** No new request names {@code id} any more; it is freed once unused. */
    void retire(int id) {
        if (loaded.containsKey(id)) {
            retiring.add(id);
        }
    }

    /** Frees the retired adapters {@code inUse} says nothing uses any more. */
    void freeUnused(WorkerGroup worker, IntPredicate inUse) {
        if (retiring.isEmpty()) {
            return;
        }
        for (Integer id : List.copyOf(retiring)) {
            if (!inUse.test(id)) {
                worker.unregisterAdapter(id);
                retiring.remove(id);
                Adapter adapter = loaded.remove(id);
                log.info("freed LoRA adapter {} (id {})", adapter.name(), id);
            }
        }
    }

    /** Loads every adapter again into a new worker; returns those it refused, no longer loaded. */
    List<Adapter> reloadAll(WorkerGroup worker) {
        List<Adapter> refused = new ArrayList<>();
        for (Adapter adapter : List.copyOf(loaded.values())) {
            try {
                worker.registerAdapter(adapter.id(), adapter.name(), adapter.source().toString());
            } catch (AdapterRefusedException e) {
                log.error("the new worker refused LoRA adapter {}: {}", adapter.name(), e.getMessage());
                loaded.remove(adapter.id());
                retiring.remove(adapter.id());
                refused.add(adapter);
            }
        }
        return refused;
    }
}
