package ai.lmi.server.generation;

/** A submitted generation; cancel it when its client goes away. */
public interface GenerationHandle {

    /** Aborts the generation; its KV blocks are free before the next step. Idempotent. */
    void cancel();
}
