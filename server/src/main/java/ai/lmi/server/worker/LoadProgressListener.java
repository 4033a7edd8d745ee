package ai.lmi.server.worker;

/** Hears the worker's {@code progress} messages while its engine loads. */
@FunctionalInterface
public interface LoadProgressListener {

    /** Ignores progress. */
    LoadProgressListener NONE = (stage, fraction) -> { };

    /**
     * Called on the thread starting the worker.
     *
     * @param stage    what is loading, e.g. "weights" or "kv_cache"
     * @param fraction how much of that stage is done, in [0, 1]
     */
    void onProgress(String stage, double fraction);
}
