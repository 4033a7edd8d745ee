package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OpenAI chat completion stream: a first event whose delta carries the role, one per token with
 * {@code delta.content}, a last one with an empty delta and {@code finish_reason}, a usage event when asked,
 * then {@code data: [DONE]}.
 *
 * <p>With tools, a named tool choice streams its arguments as {@code delta.tool_calls[0].function.arguments}
 * pieces after a first delta that names the call. Otherwise a reply that may still turn out to be tool calls
 * (one that begins like JSON) is held back to its end and then sent as one {@code tool_calls} delta, or as text
 * if it was none; a reply that cannot be tool calls streams as text from the token that shows it.
 */
final class ChatStreamRenderer implements StreamRenderer {

    private final ChatOutput output;
    private final OpenAiStreamChunks chunks;
    /** Tokens held back while the reply may be tool calls. */
    private final List<GeneratedToken> held = new ArrayList<>();
    private final StringBuilder heldText = new StringBuilder();
    private boolean streamsText;
    /** The named call's id, once its first delta went out. */
    private ToolCall namedCall;

    ChatStreamRenderer(ChatOutput output) {
        this.output = output;
        this.chunks = new OpenAiStreamChunks(
                new OpenAiEnvelope(output.id(), "chat.completion.chunk", output.created(), output.model()),
                "delta", output.includeUsage());
        this.streamsText = !output.tools().readsCalls();
    }

    @Override
    public String contentType() {
        return ServerSentEvents.CONTENT_TYPE;
    }

    @Override
    public String start() {
        ObjectNode delta = Json.object();
        delta.put("role", "assistant");
        delta.put("content", "");
        return chunks.chunk(delta, null, null);
    }

    @Override
    public String token(GeneratedToken token) {
        if (output.tools().mode().kind() == ToolCallMode.Kind.NAMED) {
            return argumentsPiece(token);
        }
        if (streamsText) {
            return text(List.of(token), token.text());
        }
        held.add(token);
        heldText.append(token.text());
        if (ToolCallParser.mayBeCalls(heldText.toString(), output.tools())) {
            return "";
        }
        streamsText = true;
        return releaseHeld();
    }

    @Override
    public String finish(GenerationResult result) {
        if (output.tools().mode().kind() == ToolCallMode.Kind.NAMED) {
            String first = namedCall == null ? argumentsPiece(null) : "";
            return first + chunks.finish(Json.object(), result,
                    OpenAiFields.toolCallsFinishReason(result.finishReason()));
        }
        if (streamsText) {
            return chunks.finish(Json.object(), result);
        }
        Optional<List<ToolCall>> calls = ToolCallParser.parse(heldText.toString(), output.tools());
        if (calls.isEmpty()) {
            return releaseHeld() + chunks.finish(Json.object(), result);
        }
        ObjectNode delta = Json.object();
        ArrayNode toolCalls = delta.putArray("tool_calls");
        List<ToolCall> list = calls.get();
        for (int i = 0; i < list.size(); i++) {
            toolCalls.add(list.get(i).toJson(i));
        }
        return chunks.chunk(delta, logprobs(held), null) + chunks.finish(Json.object(), result,
                OpenAiFields.toolCallsFinishReason(result.finishReason()));
    }

    @Override
    public String error(String message) {
        return chunks.error(Json.object(), message);
    }

    private String text(List<GeneratedToken> tokens, String text) {
        if (text.isEmpty() && !output.logprobs()) {
            return "";
        }
        ObjectNode delta = Json.object();
        delta.put("content", text);
        return chunks.chunk(delta, logprobs(tokens), null);
    }

    private String releaseHeld() {
        String event = held.isEmpty() ? "" : text(List.copyOf(held), heldText.toString());
        held.clear();
        heldText.setLength(0);
        return event;
    }

    /** The named call's next piece of arguments; its first delta names the call (token null: no arguments yet). */
    private String argumentsPiece(GeneratedToken token) {
        String piece = token == null ? "" : token.text();
        ObjectNode call = Json.object();
        call.put("index", 0);
        if (namedCall == null) {
            namedCall = ToolCall.of(output.tools().mode().function(), "");
            call.put("id", namedCall.id());
            call.put("type", "function");
            call.putObject("function").put("name", namedCall.name()).put("arguments", piece);
        } else if (piece.isEmpty() && !output.logprobs()) {
            return "";
        } else {
            call.putObject("function").put("arguments", piece);
        }
        ObjectNode delta = Json.object();
        delta.putArray("tool_calls").add(call);
        return chunks.chunk(delta, token == null ? null : logprobs(List.of(token)), null);
    }

    private JsonNode logprobs(List<GeneratedToken> tokens) {
        return output.logprobs() ? ChatLogprobs.of(tokens, output.tokenText()) : null;
    }
}
