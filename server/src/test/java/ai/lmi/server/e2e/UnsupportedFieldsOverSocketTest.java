package ai.lmi.server.e2e;

import static ai.lmi.server.e2e.ErrorResponses.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real server refuses request fields it does not serve, and unknown ones, with a 400 naming the field, on every
 * generation route; a value that asks for nothing still gets the same answer as without it.
 */
class UnsupportedFieldsOverSocketTest extends TinyLlamaServerTest {

    private static final String COMPLETIONS = "/v1/completions";
    private static final String CHAT = "/v1/chat/completions";
    private static final String INVOCATIONS = "/invocations";
    private static final String MESSAGES = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";

    /** Path, body, and what the 400's message must contain. */
    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(COMPLETIONS, "{\"prompt\": \"Hi\", \"logit_bias\": {\"7\": 5}}",
                        "logit_bias is not supported yet"),
                Arguments.of(COMPLETIONS, "{\"prompt\": \"Hi\", \"suffix\": \"!\"}", "suffix is not supported yet"),
                Arguments.of(COMPLETIONS, "{\"prompt\": \"Hi\", \"guided_grammar\": \"root ::= x\"}",
                        "guided_grammar is not supported yet (context-free grammars are not implemented"),
                Arguments.of(COMPLETIONS, "{\"prompt\": \"Hi\", \"best_of\": 3}", "best_of must be 1"),
                Arguments.of(COMPLETIONS, "{\"prompt\": \"Hi\", \"max_token\": 3}",
                        "max_token is not a field of a completions request; its fields are best_of, echo, "),
                Arguments.of(CHAT, "{" + MESSAGES
                                + ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f g\"}}]}",
                        "tools[0].function.name must be a name of 1 to 64 letters, digits, '_' or '-'"),
                Arguments.of(CHAT, "{" + MESSAGES + ", \"tool_choice\": \"required\"}",
                        "tool_choice \"required\" needs tools"),
                Arguments.of(CHAT, "{" + MESSAGES + ", \"response_format\": {\"type\": \"xml\"}}",
                        "response_format.type must be \"text\", \"json_object\" or \"json_schema\""),
                Arguments.of(CHAT, "{" + MESSAGES + ", \"n\": 2}", "n must be 1"),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c1\"}]}]}",
                        "messages[0].tool_calls[0] must be a call"),
                Arguments.of(INVOCATIONS, "{" + MESSAGES + ", \"functions\": [{\"name\": \"f\"}]}",
                        "functions is not supported yet"),
                Arguments.of(INVOCATIONS, "{\"inputs\": \"Hi\", \"parameters\": {\"num_beams\": 2}}",
                        "parameters.num_beams is not supported yet (beam search is not implemented); leave it out "
                                + "or send 1"),
                Arguments.of(INVOCATIONS, "{\"inputs\": \"Hi\", \"parameters\": {\"max_new_token\": 2}}",
                        "parameters.max_new_token is not a field of parameters; its fields are "),
                Arguments.of(INVOCATIONS, "{\"inputs\": \"Hi\", \"options\": {}}",
                        "options is not a field of an LMI request"),
                Arguments.of("/predictions/tiny-llama", "{\"inputs\": \"Hi\", \"parameters\": {\"watermark\": true}}",
                        "parameters.watermark is not supported yet"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refused")
    void anUnservedOrUnknownFieldIs400NamingIt(String path, String body, String message) {
        assertError(server.post(path, body), 400, message);
    }

    @Test
    void noOpValuesGetTheSameGreedyAnswerAsWithoutThem() {
        String plain = "{\"prompt\": \"Hello\", \"max_tokens\": 4, \"temperature\": 0";
        JsonNode without = server.postOk(COMPLETIONS, plain + "}");
        JsonNode with = server.postOk(COMPLETIONS, plain + ", \"n\": 1, \"best_of\": 1, \"logit_bias\": {}, "
                + "\"suffix\": \"\", \"response_format\": {\"type\": \"text\"}, \"user\": \"u\", \"tools\": null}");
        assertEquals(without.path("choices").path(0).path("text"), with.path("choices").path(0).path("text"));

        String lmi = "{\"inputs\": \"Hello\", \"parameters\": {\"max_new_tokens\": 4, \"do_sample\": false";
        JsonNode lmiWithout = server.postOk(INVOCATIONS, lmi + "}}");
        JsonNode lmiWith = server.postOk(INVOCATIONS, lmi + ", \"num_beams\": 1, \"n\": 1, \"watermark\": false}}");
        assertEquals(lmiWithout.path("generated_text"), lmiWith.path("generated_text"));
    }
}
