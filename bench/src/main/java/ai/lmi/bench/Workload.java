package ai.lmi.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The requests of a benchmark, drawn in order: warm-up first, then each run's, so that no two runs of a sweep
 * send the same prompt and a prefix cache cannot flatter the later ones.
 */
final class Workload {

    private final PromptSource prompts;
    private final IntSupplier outputLengths;

    Workload(PromptSource prompts, IntSupplier outputLengths) {
        this.prompts = prompts;
        this.outputLengths = outputLengths;
    }

    List<BenchRequest> take(int count) {
        List<BenchRequest> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Prompt prompt = prompts.next();
            // Drawn even when the prompt file fixes the length, so the sequence does not depend on the file.
            int drawn = outputLengths.getAsInt();
            requests.add(new BenchRequest(prompt, prompt.maxTokens() != null ? prompt.maxTokens() : drawn));
        }
        return requests;
    }
}
