package ai.lmi.server.config;

import ai.lmi.engines.embedding.EmbeddingModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the one {@link ServingConfig} from the command line, serving.properties and the environment. */
public final class ServingConfigLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ServingConfigLoader.class);
    private static final String PROPERTIES_FILE_NAME = "serving.properties";
    private static final String UNNAMED_MODEL = "model";
    /** Where LMI looks for adapters when option.adapters is unset. */
    private static final String MODEL_ADAPTERS_DIR = "adapters";

    private ServingConfigLoader() {}

    /**
     * Merges the sources (command line > serving.properties > environment > defaults), warns about
     * unknown keys, and validates every effective value.
     *
     * @param args the command-line arguments, e.g. {@code ["--model", "/opt/ml/model", "--port", "9000"]}
     * @param environment the process environment, e.g. {@code System.getenv()}
     * @throws ConfigException listing every malformed argument, unreadable file or invalid value
     */
    public static ServingConfig load(List<String> args, Map<String, String> environment) {
        CommandLineArguments commandLine = CommandLineArguments.parse(args);
        Map<String, ConfigEntry> fromEnvironment = EnvironmentVariables.read(environment);
        Map<String, ConfigEntry> fromFile = readPropertiesFile(commandLine, fromEnvironment);
        List<Map<String, ConfigEntry>> sources = List.of(commandLine.settings(), fromFile, fromEnvironment);
        sources.forEach(ServingConfigLoader::warnAboutUnknownKeys);
        return new ServingConfig(resolve(sources));
    }

    private static Map<String, ConfigEntry> readPropertiesFile(
            CommandLineArguments commandLine, Map<String, ConfigEntry> fromEnvironment) {
        if (commandLine.configFile().isPresent()) {
            Path file = commandLine.configFile().get();
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("--config " + file + ": no such file");
            }
            return PropertiesFile.read(file);
        }
        // The file cannot say where it is: the model directory comes from the command line, else the environment.
        ConfigEntry modelId = commandLine.settings().getOrDefault(
                ConfigKeys.MODEL_ID.name(), fromEnvironment.get(ConfigKeys.MODEL_ID.name()));
        if (modelId == null || modelId.value().isBlank()) {
            return Map.of();
        }
        Path file = Path.of(modelId.value().trim()).resolve(PROPERTIES_FILE_NAME);
        return Files.isRegularFile(file) ? PropertiesFile.read(file) : Map.of();
    }

    private static void warnAboutUnknownKeys(Map<String, ConfigEntry> source) {
        for (ConfigEntry entry : source.values()) {
            if (!ConfigKeys.isKnown(entry.key())) {
                LOG.warn("Unknown configuration key {} (from {}) is ignored", entry.key(), entry.source());
            }
        }
    }

    /** Each known key's value from the strongest source that sets it, else its default. */
    private static Map<String, Setting> resolve(List<Map<String, ConfigEntry>> sourcesStrongestFirst) {
        Map<String, Setting> settings = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            ConfigEntry entry = sourcesStrongestFirst.stream()
                    .map(source -> source.get(key.name()))
                    .filter(Objects::nonNull)
                    .findFirst()
                    .orElse(null);
            if (entry == null) {
                settings.put(key.name(), new Setting(key.defaultValue(), ConfigSource.DEFAULT));
                continue;
            }
            try {
                settings.put(key.name(), new Setting(key.parse(entry.value()), entry.source()));
            } catch (IllegalArgumentException e) {
                errors.add(entry.invalid(e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        Path modelId = ConfigKeys.MODEL_ID.type().cast(settings.get(ConfigKeys.MODEL_ID.name()).value());
        if (settings.get(ConfigKeys.MODEL_NAME.name()).value() == null) {
            settings.put(ConfigKeys.MODEL_NAME.name(), derivedModelName(modelId));
        }
        if (settings.get(ConfigKeys.TASK.name()).value() == null) {
            settings.put(ConfigKeys.TASK.name(), detectedTask(modelId));
        }
        BackendSelection.resolveAuto(settings);
        requireGenerationForTensorParallelism(settings);
        requireConsistentSpeculation(settings);
        settings.put(ConfigKeys.ADAPTERS.name(), adapters(settings, modelId));
        return settings;
    }

    /** {@code option.adapters} needs LoRA on; unset, it is the model directory's {@code adapters}, as in LMI. */
    private static Setting adapters(Map<String, Setting> settings, Path modelId) {
        Setting adapters = settings.get(ConfigKeys.ADAPTERS.name());
        Setting enableLora = settings.get(ConfigKeys.ENABLE_LORA.name());
        boolean lora = ConfigKeys.ENABLE_LORA.type().cast(enableLora.value());
        if (adapters.value() != null) {
            if (!lora) {
                throw new ConfigException(ConfigKeys.ADAPTERS.name() + "=" + adapters.value() + " (from "
                        + adapters.source() + "): needs " + ConfigKeys.ENABLE_LORA.name() + "=true, and "
                        + ConfigKeys.ENABLE_LORA.name() + " is false (from " + enableLora.source() + ")");
            }
            return adapters;
        }
        Path modelAdapters = modelId == null ? null : modelId.resolve(MODEL_ADAPTERS_DIR);
        if (modelAdapters == null || !Files.isDirectory(modelAdapters)) {
            return adapters;
        }
        if (!lora) {
            LOG.warn("{} is not loaded: {} is false", modelAdapters, ConfigKeys.ENABLE_LORA.name());
            return adapters;
        }
        return new Setting(modelAdapters, ConfigSource.derivedFrom(ConfigKeys.MODEL_ID.name()));
    }

    /**
     * A speculative length needs a proposer and a proposer needs a length, or the user's speculation would silently
     * not happen; the proposer is n-gram prompt lookup or a draft model, not both.
     */
    private static void requireConsistentSpeculation(Map<String, Setting> settings) {
        Setting draftModel = settings.get(ConfigKeys.SPECULATIVE_DRAFT_MODEL.name());
        Setting length = settings.get(ConfigKeys.SPECULATIVE_LENGTH.name());
        Setting lookup = settings.get(ConfigKeys.NGRAM_PROMPT_LOOKUP.name());
        boolean hasDraft = draftModel.value() != null;
        boolean hasLookup = ConfigKeys.NGRAM_PROMPT_LOOKUP.type().cast(lookup.value());
        if (hasDraft && hasLookup) {
            throw new ConfigException(ConfigKeys.SPECULATIVE_DRAFT_MODEL.name() + "=" + draftModel.value() + " (from "
                    + draftModel.source() + ") and " + ConfigKeys.NGRAM_PROMPT_LOOKUP.name() + "=true (from "
                    + lookup.source() + "): choose one way to propose drafts");
        }
        if (hasDraft && !Files.isRegularFile(((Path) draftModel.value()).resolve("config.json"))) {
            throw new ConfigException(ConfigKeys.SPECULATIVE_DRAFT_MODEL.name() + "=" + draftModel.value() + " (from "
                    + draftModel.source() + "): not a model directory with config.json");
        }
        boolean hasLength = ConfigKeys.SPECULATIVE_LENGTH.type().cast(length.value()) > 0;
        if (hasLength != (hasLookup || hasDraft)) {
            throw new ConfigException(ConfigKeys.SPECULATIVE_LENGTH.name() + "=" + length.value() + " (from "
                    + length.source() + "), " + ConfigKeys.NGRAM_PROMPT_LOOKUP.name() + "=" + lookup.value()
                    + " (from " + lookup.source() + ") and " + ConfigKeys.SPECULATIVE_DRAFT_MODEL.name() + "="
                    + draftModel.value() + ": speculative decoding needs " + ConfigKeys.SPECULATIVE_LENGTH.name()
                    + " > 0 together with " + ConfigKeys.NGRAM_PROMPT_LOOKUP.name() + "=true or "
                    + ConfigKeys.SPECULATIVE_DRAFT_MODEL.name() + "; set a length and one proposer, or neither");
        }
    }

    /**
     * An embedding model runs in the daemon's own process: there are no worker ranks to split it over. SageMaker's
     * SM_NUM_GPUS describes the instance, not a wish, so it leaves an embedding model on one device.
     */
    private static void requireGenerationForTensorParallelism(Map<String, Setting> settings) {
        Setting degree = settings.get(ConfigKeys.TENSOR_PARALLEL_DEGREE.name());
        Setting task = settings.get(ConfigKeys.TASK.name());
        if (task.value() != Task.TEXT_EMBEDDING || ConfigKeys.TENSOR_PARALLEL_DEGREE.type().cast(degree.value()) <= 1) {
            return;
        }
        if (degree.source().equals(ConfigSource.environment("SM_NUM_GPUS"))) {
            settings.put(ConfigKeys.TENSOR_PARALLEL_DEGREE.name(), new Setting(1,
                    new ConfigSource("SM_NUM_GPUS=" + degree.value() + " not applied: an embedding model runs on one "
                            + "device")));
            return;
        }
        throw new ConfigException(ConfigKeys.TENSOR_PARALLEL_DEGREE.name() + "=" + degree.value() + " (from "
                + degree.source() + "): tensor parallelism applies to text generation only, and this model is "
                + "served as " + Task.TEXT_EMBEDDING.configName() + " (" + ConfigKeys.TASK.name() + ", "
                + task.source() + "); set " + ConfigKeys.TENSOR_PARALLEL_DEGREE.name() + "=1");
    }

    private static Setting detectedTask(Path modelId) {
        if (modelId == null) {
            return new Setting(Task.TEXT_GENERATION, ConfigSource.DEFAULT);
        }
        Task task;
        if (EmbeddingModelFiles.isEmbeddingModel(modelId)) {
            task = Task.TEXT_EMBEDDING;
            LOG.info("option.task is unset; {} has tokenizer.json and model.onnx or one *.pt, and no *.safetensors: "
                    + "serving it as {}", modelId, task.configName());
        } else {
            task = Task.TEXT_GENERATION;
            LOG.info("option.task is unset; {} is not an embedding model (tokenizer.json and model.onnx or one *.pt, "
                    + "no *.safetensors): serving it as {}", modelId, task.configName());
        }
        return new Setting(task, ConfigSource.derivedFrom(ConfigKeys.MODEL_ID.name()));
    }

    private static Setting derivedModelName(Path modelId) {
        Path directoryName = modelId == null ? null : modelId.toAbsolutePath().normalize().getFileName();
        return directoryName == null
                ? new Setting(UNNAMED_MODEL, ConfigSource.DEFAULT)
                : new Setting(directoryName.toString(), ConfigSource.derivedFrom(ConfigKeys.MODEL_ID.name()));
    }
}
