package ai.lmi.server.api;

/**
 * How a chat reply is read when the request has tools.
 *
 * @param kind     none: text; auto: tool calls if the reply is tool-call JSON, else text; required: a JSON list of
 *                 calls; named: the arguments of {@code function}
 * @param function the function {@code tool_choice} names, for {@link Kind#NAMED}
 */
record ToolCallMode(Kind kind, String function) {

    enum Kind { NONE, AUTO, REQUIRED, NAMED }

    static final ToolCallMode NONE = new ToolCallMode(Kind.NONE, null);
    static final ToolCallMode AUTO = new ToolCallMode(Kind.AUTO, null);
    static final ToolCallMode REQUIRED = new ToolCallMode(Kind.REQUIRED, null);

    static ToolCallMode named(String function) {
        return new ToolCallMode(Kind.NAMED, function);
    }
}
