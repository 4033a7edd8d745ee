package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class UnknownKeyWarningTest {

    @TempDir
    Path modelDir;

    private final Logger logger = (Logger) LoggerFactory.getLogger(ServingConfigLoader.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void captureWarnings() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void stopCapturing() {
        logger.detachAppender(appender);
    }

    @Test
    void unknownKeyFromEachSourceIsNamedWithItsSource() throws IOException {
        Path file = Files.writeString(modelDir.resolve("serving.properties"),
                "option.max_model_length=4096\nengine=Python\noption.block_size=16\n");

        ServingConfigLoader.load(
                List.of("--model", modelDir.toString(), "--option.tensor_parallel=2", "--port", "81"),
                Map.of("OPTION_ENTRYPOINT", "djl_python.huggingface", "SERVING_OPTS", "-Xmx1g",
                        "OPTION_DTYPE", "fp16", "UNRELATED", "x"));

        assertEquals(List.of(
                "Unknown configuration key option.tensor_parallel (from command line) is ignored",
                "Unknown configuration key engine (from " + file + ") is ignored",
                "Unknown configuration key option.max_model_length (from " + file + ") is ignored",
                "Unknown configuration key option.entrypoint (from environment OPTION_ENTRYPOINT) is ignored",
                "Unknown configuration key opts (from environment SERVING_OPTS) is ignored"), warnings());
    }

    @Test
    void knownKeysDoNotWarn() {
        ServingConfigLoader.load(List.of("--port", "81", "--option.block_size=8"), Map.of("OPTION_DTYPE", "fp16"));

        assertEquals(List.of(), warnings());
    }

    private List<String> warnings() {
        return appender.list.stream()
                .filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }
}
