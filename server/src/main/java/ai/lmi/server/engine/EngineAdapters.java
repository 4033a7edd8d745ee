package ai.lmi.server.engine;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.adapter.AdapterConfig;
import ai.lmi.server.adapter.AdapterConflictException;
import ai.lmi.server.adapter.AdapterException;
import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.adapter.AdapterUnavailableException;
import ai.lmi.server.adapter.UnknownAdapterException;
import ai.lmi.server.worker.AdapterRefusedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served model's LoRA adapters by name, for the HTTP layer: any thread may call it. The weights live in the
 * worker; loading and freeing them are commands for the engine thread ({@link WorkerAdapters}), which frees an
 * unloaded adapter only once no request uses it any more.
 */
final class EngineAdapters implements AdapterService {
    private static final Logger log = LoggerFactory.getLogger(EngineAdapters.class);
    /// names appear in URL paths and in OpenAI's model field
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /// a load waits for the steps ahead of it and for the worker to read the weights
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(3);

    private final int maxLoraRank;
    private final String baseModelName;
    private final Consumer<EngineCommand> engine;
    private final Map<String, Adapter> byName = new ConcurrentSkipListMap<>();
    /// names being loaded: a second load of one is a conflict
    private final Set<String> loading = new HashSet<>();
    private final AtomicInteger lastId = new AtomicInteger();

    EngineAdapters(int maxLoraRank, String baseModelName, Consumer<EngineCommand> engine) {
        this.maxLoraRank = maxLoraRank;
        this.baseModelName = baseModelName;
        this.engine = engine;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public List<Adapter> list() {
        return List.copyOf(byName.values());
    }

    @Override
    public Optional<Adapter> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public Adapter load(String name, Path source) {
        checkName(name);
        AdapterConfig config = AdapterConfig.read(name, source, maxLoraRank);
        synchronized (loading) {
            if (byName.containsKey(name) || !loading.add(name)) {
                throw new AdapterConflictException(name);
            }
        }
        try {
            Adapter adapter = loadInWorker(name, source, config);
            byName.put(name, adapter);
            log.info("loaded LoRA adapter {} (id {}, rank {}, {}) from {}", name, adapter.id(), config.rank(),
                    String.join(",", config.targetModules()), source);
            return adapter;
        } finally {
            synchronized (loading) {
                loading.remove(name);
            }
        }
    }

    @Override
    public Adapter update(String name, Path source) {
        Adapter old = byName.get(name);
        if (old == null) {
            throw new UnknownAdapterException(name, byName.keySet());
        }
        Adapter fresh = loadInWorker(name, source, AdapterConfig.read(name, source, maxLoraRank));
        if (!byName.replace(name, old, fresh)) {
            // Unloaded or updated by someone else meanwhile: theirs stands, these weights go.
            engine.accept(new EngineCommand.RetireAdapter(fresh.id()));
            throw new AdapterConflictException(name);
        }
        engine.accept(new EngineCommand.RetireAdapter(old.id()));
        log.info("updated LoRA adapter {} (id {} → {}) from {}", name, old.id(), fresh.id(), source);
        return fresh;
    }

    @Override
    public Adapter unload(String name) {
        Adapter adapter = byName.remove(name);
        if (adapter == null) {
            throw new UnknownAdapterException(name, byName.keySet());
        }
        engine.accept(new EngineCommand.RetireAdapter(adapter.id()));
        log.info("unloading LoRA adapter {} (id {}) once the requests using it finish", name, adapter.id());
        return adapter;
    }

    /** The engine thread could not load {@code adapter} into a new worker: requests can no longer name it. */
    void dropped(Adapter adapter) {
        byName.remove(adapter.name(), adapter);
    }

    private void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new AdapterException("adapter name " + (name == null ? "null" : "'" + name + "'")
                    + " is not allowed: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (name.equals(baseModelName)) {
            throw new AdapterException("adapter name '" + name + "' is the base model's name; choose another");
        }
    }

    private Adapter loadInWorker(String name, Path source, AdapterConfig config) {
        Adapter adapter = new Adapter(lastId.incrementAndGet(), name, source.toAbsolutePath().normalize(), config,
                System.currentTimeMillis() / 1000);
        CompletableFuture<Void> done = new CompletableFuture<>();
        engine.accept(new EngineCommand.LoadAdapter(adapter, done));
        try {
            done.get(LOAD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return adapter;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AdapterRefusedException) {
                throw new AdapterException("adapter '" + name + "' could not be loaded: " + cause.getMessage(), cause);
            }
            throw new AdapterUnavailableException("adapter '" + name + "' could not be loaded: the model worker "
                    + "failed (" + cause.getMessage() + ")", cause);
        } catch (TimeoutException e) {
            // Too late for this caller, but the load may still land: it must not linger unnamed in the worker.
            engine.accept(new EngineCommand.RetireAdapter(adapter.id()));
            throw new AdapterUnavailableException("adapter '" + name + "' was not loaded within "
                    + LOAD_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            engine.accept(new EngineCommand.RetireAdapter(adapter.id()));
            throw new AdapterException("adapter '" + name + "': interrupted while loading", e);
        }
    }
}
