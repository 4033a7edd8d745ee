package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** option.speculative_length with its proposer, n-gram prompt lookup or a draft model: both or neither. */
class SpeculationKeysTest {

    @TempDir
    Path draft;

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

        assertEquals("option.speculative_length=0 (from default), option.ngram_prompt_lookup=true (from command "
                + "line) and option.speculative_draft_model=null: speculative decoding needs option.speculative_length "
                + "> 0 together with option.ngram_prompt_lookup=true or option.speculative_draft_model; set a length "
                + "and one proposer, or neither", e.getMessage());
    }

    @Test
    void aLengthWithoutLookupStopsTheStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.speculative_length", "3"), Map.of()));

        assertEquals("option.speculative_length=3 (from command line), option.ngram_prompt_lookup=false (from "
                + "default) and option.speculative_draft_model=null: speculative decoding needs "
                + "option.speculative_length > 0 together with option.ngram_prompt_lookup=true or "
                + "option.speculative_draft_model; set a length and one proposer, or neither", e.getMessage());
    }

    @Test
    void aDraftModelWithALengthSpeculates() throws IOException {
        Files.writeString(draft.resolve("config.json"), "{}");
        ServingConfig config = ServingConfigLoader.load(List.of("--option.speculative_draft_model", draft.toString(),
                "--option.speculative_length", "3"), Map.of());

        assertEquals(3, config.speculativeLength());
        assertEquals(draft, config.speculativeDraftModel().orElseThrow());
    }

    @Test
    void aDraftModelAndLookupTogetherAreRefused() throws IOException {
        Files.writeString(draft.resolve("config.json"), "{}");
        ConfigException e = assertThrows(ConfigException.class, () -> ServingConfigLoader.load(List.of(
                "--option.speculative_draft_model", draft.toString(), "--option.ngram_prompt_lookup", "true",
                "--option.speculative_length", "3"), Map.of()));

        assertEquals("option.speculative_draft_model=" + draft + " (from command line) and "
                + "option.ngram_prompt_lookup=true (from command line): choose one way to propose drafts",
                e.getMessage());
    }

    @Test
    void aDraftModelThatIsNoModelDirectoryIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ServingConfigLoader.load(List.of(
                "--option.speculative_draft_model", "/models/draft", "--option.speculative_length", "3"), Map.of()));

        assertEquals("option.speculative_draft_model=/models/draft (from command line): not a model directory "
                + "with config.json", e.getMessage());
    }

    @Test
    void aNegativeLengthIsInvalid() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.speculative_length", "-1"), Map.of()));

        assertEquals(true, e.getMessage().contains("must be an integer from 0 to 64"), e.getMessage());
    }
}
