package ai.lmi.bench;

/** Whether to scrape the server's {@code /metrics} around each run: {@code --metrics}, {@code --no-metrics}. */
public enum MetricsMode {
    /**
     * Scrape when {@code /metrics} answers 200 with an {@code lmi_step_seconds} metric
     * ({@code lmi_embedding_batch_size} for embeddings).
     */
    AUTO,
    /** Scrape whenever {@code /metrics} answers 200, reporting whichever LMI counters it has. */
    ON,
    /** Never scrape. */
    OFF
}
