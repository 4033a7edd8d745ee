package ai.lmi.server.api;

import ai.lmi.server.core.SamplingParams;
import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.tokenizer.ChatMessage;
import ai.lmi.server.tokenizer.ChatTemplateException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code POST /v1/chat/completions} (and {@code /invocations} with {@code messages}): OpenAI's chat schema
 * with vLLM's sampling extensions. The messages are rendered with the model's chat template.
 *
 * <p>Defaults are OpenAI's: {@code temperature} 1, {@code top_p} 1, and no token limit, which here means
 * the room the prompt leaves in max_model_len (as vLLM does). {@code max_completion_tokens} wins over the
 * older {@code max_tokens}. Message content is a string or a list of {@code {"type": "text"}} parts,
 * joined with newlines as vLLM joins them.
 */
public final class ChatRequestParser implements GenerationParser {

    static final double DEFAULT_TEMPERATURE = 1.0;
    /** OpenAI's limit on {@code top_logprobs}. */
    static final int MAX_TOP_LOGPROBS = 20;

    @Override
    public PreparedGeneration parse(FieldReader body, ServedModel model) {
        RequestSchemas.CHAT.check(body);
        List<ChatMessage> messages = messages(body);
        OpenAiFields.requireSingleChoice(body);
        boolean stream = body.bool("stream", false);
        boolean includeUsage = OpenAiFields.includeUsage(body, stream);
        boolean logprobs = body.bool("logprobs", false);
        OptionalInt topLogprobs = body.integer("top_logprobs", 0, MAX_TOP_LOGPROBS);
        if (topLogprobs.isPresent() && !logprobs) {
            throw ApiException.badRequest("top_logprobs requires logprobs to be true");
        }
        // Both are checked, so that a bad max_tokens next to max_completion_tokens is not silently ignored.
        OptionalInt maxCompletionTokens = body.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        OptionalInt olderMaxTokens = body.integer("max_tokens", 1, Integer.MAX_VALUE);
        String maxTokensField = maxCompletionTokens.isPresent() ? "max_completion_tokens" : "max_tokens";
        OptionalInt maxTokens = maxCompletionTokens.isPresent() ? maxCompletionTokens : olderMaxTokens;
        SamplingParams.Builder sampling = SamplingFields.read(body, DEFAULT_TEMPERATURE, model.tokenizer().vocabSize());
        ChatTools tools = ChatTools.read(body);
        StructuredOutputFields.readOpenAi(body, model, sampling, tools.grammar());

        String prompt;
        try {
            prompt = model.tokenizer().chatTemplate().render(messages, true, tools.definitions());
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        // The rendered template already holds BOS and the other special tokens as text.
        int[] promptIds = model.tokenizer().encode(prompt, false);
        int maxNewTokens = TokenBudget.resolve(maxTokensField, maxTokens, Integer.MAX_VALUE, "messages",
                promptIds.length, model.maxModelLen());
        SamplingParams params = sampling.maxNewTokens(maxNewTokens).topLogprobs(topLogprobs.orElse(0)).build();
        String id = OpenAiFields.newId("chatcmpl-");
        int adapterId = model.adapterOfModelField(body);
        ChatOutput output = new ChatOutput(id, OpenAiFields.nowEpochSeconds(), model.responseName(adapterId),
                logprobs, includeUsage, model.tokenizer()::tokenText, tools);
        GenerationRequest request = new GenerationRequest(id, promptIds, params, adapterId);
        return stream
                ? PreparedGeneration.streamed(request, new ChatStreamRenderer(output))
                : PreparedGeneration.whole(request, new ChatResponseRenderer(output));
    }

    private static List<ChatMessage> messages(FieldReader body) {
        JsonNode messages = body.get("messages");
        if (messages == null) {
            throw ApiException.badRequest("messages is required");
        }
        if (!messages.isArray()) {
            throw body.mustBe("messages", "a list of messages", messages);
        }
        if (messages.isEmpty()) {
            throw ApiException.badRequest("messages must not be empty");
        }
        List<ChatMessage> parsed = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            String field = "messages[" + i + "]";
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw body.mustBe(field, "an object with role and content", message);
            }
            RequestSchemas.CHAT_MESSAGE.check(message, field + ".");
            JsonNode role = message.get("role");
            if (role == null || role.isNull()) {
                throw ApiException.badRequest(field + ".role is required");
            }
            if (!role.isTextual() || role.textValue().isEmpty()) {
                throw body.mustBe(field + ".role", "a non-empty string", role);
            }
            parsed.add(new ChatMessage(role.textValue(), content(body, field, role.textValue(), message.get("content")),
                    toolFields(body, field, message)));
        }
        return parsed;
    }

    /**
     * An assistant turn's {@code tool_calls} and a tool turn's {@code tool_call_id} and {@code name}, as the chat
     * template gets them (transformers passes them through the same way).
     */
    private static Map<String, Object> toolFields(FieldReader body, String field, JsonNode message) {
        Map<String, Object> fields = new LinkedHashMap<>();
        JsonNode calls = message.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!calls.isArray()) {
                throw body.mustBe(field + ".tool_calls", "a list of tool calls", calls);
            }
            for (int i = 0; i < calls.size(); i++) {
                JsonNode call = calls.get(i);
                JsonNode function = call.path("function");
                if (!call.isObject() || !function.path("name").isTextual()) {
                    throw body.mustBe(field + ".tool_calls[" + i + "]", "a call {\"id\", \"type\": \"function\", "
                            + "\"function\": {\"name\", \"arguments\"}}", call);
                }
            }
            fields.put("tool_calls", Json.MAPPER.convertValue(calls, List.class));
        }
        for (String text : List.of("tool_call_id", "name")) {
            JsonNode value = message.get(text);
            if (value != null && !value.isNull()) {
                if (!value.isTextual()) {
                    throw body.mustBe(field + "." + text, "a string", value);
                }
                fields.put(text, value.textValue());
            }
        }
        return fields;
    }

    private static String content(FieldReader body, String field, String role, JsonNode content) {
        if (content == null || content.isNull()) {
            // An assistant turn that only called tools has no content.
            if (role.equals("assistant")) {
                return "";
            }
            throw ApiException.badRequest(field + ".content is required");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw body.mustBe(field + ".content", "a string or a list of text parts", content);
        }
        List<String> texts = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            String partField = field + ".content[" + i + "]";
            JsonNode part = content.get(i);
            if (!part.isObject()) {
                throw body.mustBe(partField, "an object {\"type\": \"text\", \"text\": ...}", part);
            }
            RequestSchemas.CONTENT_PART.check(part, partField + ".");
            JsonNode type = part.get("type");
            if (type == null) {
                throw ApiException.badRequest(partField + ".type is required");
            }
            if (!type.isTextual() || !type.textValue().equals("text")) {
                throw body.mustBe(partField + ".type", "\"text\" (the only part type served)", type);
            }
            JsonNode text = part.get("text");
            if (text == null || !text.isTextual()) {
                throw body.mustBe(partField + ".text", "a string", text == null ? part : text);
            }
            texts.add(text.textValue());
        }
        return String.join("\n", texts);
    }
}
