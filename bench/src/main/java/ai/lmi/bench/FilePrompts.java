package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts from a JSON-lines file, {@code {"prompt": "...", "max_tokens": N}} per line ({@code max_tokens}
 * optional), repeated from the start when more requests are sent than the file has lines.
 */
final class FilePrompts implements PromptSource {

    static final String FLAG = "--prompts-file";

    private final List<Prompt> prompts;
    private int next;

    private FilePrompts(List<Prompt> prompts) {
        this.prompts = prompts;
    }

    /** @param tokenizer counts each prompt's tokens; null leaves the count to the server's usage report */
    static FilePrompts read(Path file, BenchTokenizer tokenizer) throws UsageException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException(FLAG + " " + file + " cannot be read: " + e.getMessage());
        }
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                prompts.add(prompt(file + ":" + (i + 1), lines.get(i), tokenizer));
            }
        }
        if (prompts.isEmpty()) {
            throw new UsageException(FLAG + " " + file + " has no prompts");
        }
        return new FilePrompts(List.copyOf(prompts));
    }

    private static Prompt prompt(String where, String line, BenchTokenizer tokenizer) throws UsageException {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new UsageException(FLAG + " " + where + " is not JSON: " + e.getOriginalMessage());
        }
        JsonNode prompt = json.path("prompt");
        if (!prompt.isTextual()) {
            throw new UsageException(FLAG + " " + where + " needs a string \"prompt\"");
        }
        JsonNode maxTokens = json.path("max_tokens");
        if (!maxTokens.isMissingNode() && (!maxTokens.canConvertToExactIntegral() || maxTokens.asInt() < 1)) {
            throw new UsageException(FLAG + " " + where + ": \"max_tokens\" must be an integer >= 1, got " + maxTokens);
        }
        String text = prompt.asText();
        int tokens = tokenizer == null ? 0 : tokenizer.encode(text).length;
        return new Prompt(null, text, tokens, maxTokens.isMissingNode() ? null : maxTokens.asInt());
    }

    @Override
    public Prompt next() {
        Prompt prompt = prompts.get(next);
        next = (next + 1) % prompts.size();
        return prompt;
    }
}
