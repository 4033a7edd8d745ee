package ai.lmi.server.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template (the Jinja {@code chat_template} of tokenizer_config.json) rendered with
 * Jinjava the way transformers' {@code apply_chat_template} renders it: {@code messages},
 * {@code add_generation_prompt}, the special tokens as {@code bos_token}, {@code eos_token},
 * {@code unk_token}, {@code pad_token}, and {@code raise_exception}. Thread-safe.
 */
public final class ChatTemplate {

    /** transformers 4.47+ may save the template beside tokenizer_config.json instead of inside it. */
    private static final String TEMPLATE_FILE = "chat_template.jinja";

    private final String modelName;
    private final Optional<String> template;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

    private ChatTemplate(String modelName, Optional<String> template, Map<String, String> specialTokens) {
        this.modelName = modelName;
        this.template = template;
        this.specialTokens = specialTokens;
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        // transformers compiles templates with trim_blocks and lstrip_blocks on. Jinjava would also render again
        // whatever an expression outputs: a message holding "{{ ... }}" or "{% ... %}" would run as template code.
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withNestedInterpretationEnabled(false)
                .withElResolver(resolver)
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    }

    static ChatTemplate of(String modelName, Optional<String> template, TokenizerConfig config) {
        Map<String, String> specialTokens = new HashMap<>();
        config.bosToken().ifPresent(token -> specialTokens.put("bos_token", token));
        config.eosToken().ifPresent(token -> specialTokens.put("eos_token", token));
        config.unkToken().ifPresent(token -> specialTokens.put("unk_token", token));
        config.padToken().ifPresent(token -> specialTokens.put("pad_token", token));
        return new ChatTemplate(modelName, template, Map.copyOf(specialTokens));
    }

    /** The template of a model directory: tokenizer_config.json's, else chat_template.jinja's. */
    static Optional<String> source(Path modelDir, TokenizerConfig config) throws IOException {
        if (config.chatTemplate().isPresent()) {
            return config.chatTemplate();
        }
        Path file = modelDir.resolve(TEMPLATE_FILE);
        return Files.isRegularFile(file)
                ? Optional.of(Files.readString(file, StandardCharsets.UTF_8))
                : Optional.empty();
    }

    /** Whether the model has a template; without one every {@link #render} fails. */
    public boolean isPresent() {
        return template.isPresent();
    }

    /**
     * The prompt for {@code messages}, ending with the opening of the assistant's turn when
     * {@code addGenerationPrompt}. The result holds the special tokens as text ({@code <s>}), so
     * encode it without adding special tokens again.
     *
     * @throws ChatTemplateException when the model has no template or the template rejects the
     *     messages (its {@code raise_exception} message) or fails; the client's request is at fault
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, List.of());
    }

    /**
     * {@link #render(List, boolean)} with the request's {@code tools} (OpenAI's definitions, as maps) for a
     * template that offers them to the model; none leaves {@code tools} undefined, as transformers does.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<Object> tools) {
        if (template.isEmpty()) {
            throw new ChatTemplateException("model " + modelName
                    + " has no chat_template in tokenizer_config.json; chat requests need one");
        }
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", messages.stream().map(ChatMessage::toTemplateValue).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        if (!tools.isEmpty()) {
            context.put("tools", tools);
        }
        RenderResult result = jinjava.renderForResult(template.get(), context);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error);
            }
        }
        return result.getOutput();
    }

    // Jinjava reports an exception thrown by raise_exception wrapped; its message is the one to show.
    private ChatTemplateException failure(TemplateError error) {
        for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ChatTemplateException raised) {
                return raised;
            }
        }
        return new ChatTemplateException(
                "chat_template of model " + modelName + " failed: " + error.getMessage());
    }
}
