package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLineArgumentsTest {

    private static final String USAGE = "; use --model DIR, --config FILE, --KEY VALUE or --KEY=VALUE";

    @Test
    void spaceAndEqualsForms() {
        CommandLineArguments parsed = CommandLineArguments.parse(List.of(
                "--model", "/m", "--port=8081", "--option.block_size", "32", "--option.dtype=fp16",
                "--job_queue_size", "7", "--config", "/etc/lmi.properties"));

        assertEquals(Map.of(
                "option.model_id", entry("option.model_id", "/m"),
                "port", entry("port", "8081"),
                "option.block_size", entry("option.block_size", "32"),
                "option.dtype", entry("option.dtype", "fp16"),
                "job_queue_size", entry("job_queue_size", "7")), parsed.settings());
        assertEquals(Optional.of(Path.of("/etc/lmi.properties")), parsed.configFile());
    }

    @Test
    void modelEqualsForm() {
        assertEquals("/m", CommandLineArguments.parse(List.of("--model=/m")).settings().get("option.model_id").value());
    }

    @Test
    void valueMayContainEqualsAndStartWithDashesInTheEqualsForm() {
        CommandLineArguments parsed = CommandLineArguments.parse(List.of("--model_name=a=b", "--bind_address=--x"));

        assertEquals("a=b", parsed.settings().get("model_name").value());
        assertEquals("--x", parsed.settings().get("bind_address").value());
    }

    @Test
    void negativeNumberIsAValue() {
        assertEquals("-1", CommandLineArguments.parse(List.of("--port", "-1")).settings().get("port").value());
    }

    @Test
    void laterFlagWins() {
        CommandLineArguments parsed = CommandLineArguments.parse(List.of("--port", "1", "--port=2"));

        assertEquals("2", parsed.settings().get("port").value());
    }

    @Test
    void noArgumentsNoSettings() {
        CommandLineArguments parsed = CommandLineArguments.parse(List.of());

        assertEquals(Map.of(), parsed.settings());
        assertEquals(Optional.empty(), parsed.configFile());
    }

    @Test
    void malformedArgumentsAreAllReported() {
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLineArguments.parse(
                List.of("serve", "--port", "--model", "/m", "-x", "--", "--=1", "--option.enable_prefix_caching")));

        assertEquals(List.of(
                "command line: unexpected argument 'serve'" + USAGE,
                "command line: --port needs a value" + USAGE,
                "command line: unexpected argument '-x'" + USAGE,
                "command line: unexpected argument '--'" + USAGE,
                "command line: unexpected argument '--=1'" + USAGE,
                "command line: --option.enable_prefix_caching needs a value" + USAGE), e.errors());
    }

    private static ConfigEntry entry(String key, String value) {
        return new ConfigEntry(key, value, ConfigSource.COMMAND_LINE);
    }
}
