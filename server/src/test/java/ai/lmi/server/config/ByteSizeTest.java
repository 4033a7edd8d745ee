package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({
        "0, 0",
        "1073741824, 1073741824",
        "2k, 2048",
        "2K, 2048",
        "512m, 536870912",
        "4g, 4294967296",
        "4G, 4294967296",
        "1t, 1099511627776",
    })
    void parses(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "g", "4GB", "4gib", "4 g", "1.5g", "-1", "4p", "9999999t", "99999999999999999999"})
    void rejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
    }
}
