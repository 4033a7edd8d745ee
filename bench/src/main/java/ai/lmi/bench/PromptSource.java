package ai.lmi.bench;

/** An endless, reproducible sequence of prompts. */
interface PromptSource {

    Prompt next();
}
