package ai.lmi.server.e2e;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Request bodies the end-to-end tests send. */
final class Requests {

    private Requests() {}

    /** A greedy {@code /v1/completions} body for a token-id prompt; {@code extra} is more JSON fields, or empty. */
    static String greedyCompletion(int[] promptIds, int maxTokens, String extra) {
        return "{\"model\": \"tiny-llama\", \"prompt\": " + idList(promptIds) + ", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    /** A greedy LMI {@code /invocations} body asking for details. */
    static String greedyInvocation(String inputs, int maxNewTokens, boolean stream) {
        return greedyInvocation(inputs, maxNewTokens, stream, "\"details\": true");
    }

    /** A greedy LMI {@code /invocations} body; {@code extraParameters} is more JSON fields of its parameters. */
    static String greedyInvocation(String inputs, int maxNewTokens, boolean stream, String extraParameters) {
        return "{\"inputs\": " + TestServer.JSON.valueToTree(inputs) + ", \"parameters\": {\"max_new_tokens\": "
                + maxNewTokens + ", \"do_sample\": false, " + extraParameters + "}, \"stream\": " + stream + "}";
    }

    static String idList(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
