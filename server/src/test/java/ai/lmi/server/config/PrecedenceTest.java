package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrecedenceTest {

    /** The sources, each setting option.block_size to its own value. */
    enum Source {
        COMMAND_LINE(32), PROPERTIES_FILE(64), ENVIRONMENT(128), DEFAULT(16);

        final int blockSize;

        Source(int blockSize) {
            this.blockSize = blockSize;
        }
    }

    @TempDir
    Path modelDir;

    @ParameterizedTest(name = "{0} beats {1}")
    @CsvSource({
        "COMMAND_LINE, PROPERTIES_FILE",
        "COMMAND_LINE, ENVIRONMENT",
        "COMMAND_LINE, DEFAULT",
        "PROPERTIES_FILE, ENVIRONMENT",
        "PROPERTIES_FILE, DEFAULT",
        "ENVIRONMENT, DEFAULT",
    })
    void strongerSourceWins(Source stronger, Source weaker) throws IOException {
        ServingConfig config = load(EnumSet.of(stronger, weaker));

        assertEquals(stronger.blockSize, config.blockSize());
        assertEquals(expectedSourceText(stronger), source(config, "option.block_size"));
    }

    @ParameterizedTest(name = "{0} beats {1} and {2}")
    @CsvSource({"COMMAND_LINE, PROPERTIES_FILE, ENVIRONMENT", "PROPERTIES_FILE, ENVIRONMENT, DEFAULT"})
    void strongestOfThreeWins(Source strongest, Source middle, Source weakest) throws IOException {
        assertEquals(strongest.blockSize, load(EnumSet.of(strongest, middle, weakest)).blockSize());
    }

    private ServingConfig load(Set<Source> sources) throws IOException {
        List<String> args = new ArrayList<>(List.of("--model", modelDir.toString()));
        Map<String, String> environment = new HashMap<>();
        if (sources.contains(Source.COMMAND_LINE)) {
            args.addAll(List.of("--option.block_size", "32"));
        }
        if (sources.contains(Source.PROPERTIES_FILE)) {
            Files.writeString(modelDir.resolve("serving.properties"), "option.block_size=64\n");
        }
        if (sources.contains(Source.ENVIRONMENT)) {
            environment.put("OPTION_BLOCK_SIZE", "128");
        }
        return ServingConfigLoader.load(args, environment);
    }

    private String expectedSourceText(Source source) {
        return switch (source) {
            case COMMAND_LINE -> "command line";
            case PROPERTIES_FILE -> modelDir.resolve("serving.properties").toString();
            case ENVIRONMENT -> "environment OPTION_BLOCK_SIZE";
            case DEFAULT -> "default";
        };
    }

    @SuppressWarnings("unchecked")
    static String source(ServingConfig config, String key) {
        return (String) ((Map<String, Object>) config.toMap().get(key)).get("source");
    }
}
