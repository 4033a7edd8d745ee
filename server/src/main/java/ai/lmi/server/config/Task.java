package ai.lmi.server.config;

/** What the served model does ({@code option.task}): generate text through a worker, or embed text in-process. */
public enum Task implements ConfigValue {
    TEXT_GENERATION,
    TEXT_EMBEDDING
}
