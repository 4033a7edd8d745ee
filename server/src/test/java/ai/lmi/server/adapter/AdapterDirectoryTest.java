package ai.lmi.server.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterDirectoryTest {

    @TempDir
    Path tempDir;

    @Test
    void eachSubdirectoryWithAConfigIsAnAdapterNamedAfterIt() throws IOException {
        Path adapters = tempDir.resolve("adapters");
        Path sql = PeftAdapters.write(adapters.resolve("sql"));
        Path chat = PeftAdapters.write(adapters.resolve("chat"));
        Files.createDirectories(adapters.resolve("notes"));
        Files.writeString(adapters.resolve("README.md"), "adapters for the demo");

        Map<String, Path> scanned = AdapterDirectory.scan(adapters);

        assertEquals(Map.of("chat", chat, "sql", sql), scanned);
        assertEquals(List.of("chat", "sql"), List.copyOf(scanned.keySet()), "sorted by name");
    }

    @Test
    void aMissingDirectoryHoldsNone() {
        assertEquals(Map.of(), AdapterDirectory.scan(tempDir.resolve("adapters")));
    }

    @Test
    void aFileIsRefused() throws IOException {
        Path file = Files.writeString(tempDir.resolve("adapters"), "");

        AdapterException e = assertThrows(AdapterException.class, () -> AdapterDirectory.scan(file));

        assertEquals("the adapters directory " + file + " is a file, not a directory", e.getMessage());
    }
}
