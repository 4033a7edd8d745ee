package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpeculationKeysTest {

    @Test
    void speculationIsOffByDefault() {
        assertEquals(0, ServingConfigLoader.load(List.of(), Map.of()).speculativeLength());
    }

    @Test
    void ngramPromptLookupWithALengthSpeculates() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--option.ngram_prompt_lookup", "true"), Map.of("OPTION_SPECULATIVE_LENGTH", "4"));

        assertEquals(4, config.speculativeLength());
    }

    @Test
    void lookupWithoutALengthStopsTheStartNamingBothKeys() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.ngram_prompt_lookup", "true"), Map.of()));

        assertEquals("option.speculative_length=0 (from default) and option.ngram_prompt_lookup=true (from command "
                + "line): speculative decoding needs both, option.ngram_prompt_lookup=true and "
                + "option.speculative_length > 0; set both or neither", e.getMessage());
    }

    @Test
    void aLengthWithoutLookupStopsTheStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.speculative_length", "3"), Map.of()));

        assertEquals("option.speculative_length=3 (from command line) and option.ngram_prompt_lookup=false (from "
                + "default): speculative decoding needs both, option.ngram_prompt_lookup=true and "
                + "option.speculative_length > 0; set both or neither", e.getMessage());
    }

    @Test
    void aDraftModelIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.speculative_draft_model", "/models/draft"), Map.of()));

        assertEquals("option.speculative_draft_model=/models/draft (from command line): draft models are not built "
                + "yet; use option.ngram_prompt_lookup=true with option.speculative_length > 0 instead",
                e.getMessage());
    }

    @Test
    void aNegativeLengthIsInvalid() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.speculative_length", "-1"), Map.of()));

        assertEquals(true, e.getMessage().contains("must be an integer from 0 to 64"), e.getMessage());
    }
}
