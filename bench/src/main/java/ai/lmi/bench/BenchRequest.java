package ai.lmi.bench;

/** One request to send: its prompt and how many tokens it asks for. */
record BenchRequest(Prompt prompt, int maxTokens) {}
