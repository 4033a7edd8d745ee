package ai.lmi.bench;

/** How synthetic prompts are sent, {@code --prompt-source}. */
public enum PromptFormat {
    /** A list of token ids, OpenAI's {@code prompt: [ids]}; no tokenizer needed. */
    IDS("ids"),
    /** Text that the model's tokenizer encodes to exactly the asked number of tokens. */
    TEXT("text");

    private final String flagValue;

    PromptFormat(String flagValue) {
        this.flagValue = flagValue;
    }

    public String flagValue() {
        return flagValue;
    }
}
