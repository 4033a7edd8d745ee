package ai.lmi.server.http;

import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.api.TinyLlama;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationHandle;
import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.generation.TokenSink;
import ai.lmi.server.generation.TopLogprob;
import ai.lmi.server.model.ModelDescription;
import ai.lmi.server.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A generation service that runs no model: it records what is submitted, and either answers at once with a
 * fixed generation ("Hello world" then EOS, emitted from inside {@code submit} as an engine thread may) or
 * leaves the test to drive the sink.
 */
final class FakeGenerationService implements GenerationService {

    static final List<GeneratedToken> TOKENS = List.of(
            new GeneratedToken(22557, "Hello", -0.25f, false, List.of(new TopLogprob(22557, " Hello", -0.25f)),
                    false),
            new GeneratedToken(1526, " world", -0.5f, false, List.of(new TopLogprob(1526, " world", -0.5f)),
                    false),
            new GeneratedToken(2, "", -0.125f, true, List.of(new TopLogprob(2, "</s>", -0.125f)), true));

    /** One submitted generation. */
    record Submission(GenerationRequest request, TokenSink sink, FakeHandle handle) {}

    /** A handle that remembers whether it was cancelled. */
    static final class FakeHandle implements GenerationHandle {
        private volatile int cancels;

        @Override
        public void cancel() {
            cancels++;
        }

        boolean cancelled() {
            return cancels > 0;
        }
    }

    private final Tokenizer tokenizer;
    final List<Submission> submissions = new CopyOnWriteArrayList<>();
    volatile boolean ready = true;
    /** Answer each submission at once with {@link #TOKENS}; off, the test drives the sink. */
    volatile boolean answerAtOnce = true;
    /** When set, submit throws it (a full queue). */
    volatile ServiceUnavailableException rejection;
    /** When set, submit throws it (a request the engine finds cannot fit). */
    volatile IllegalArgumentException misfit;
    volatile AdapterService adapters = AdapterService.DISABLED;

    FakeGenerationService() {
        this(TinyLlama.tokenizer());
    }

    FakeGenerationService(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenSink sink) throws ServiceUnavailableException {
        if (rejection != null) {
            throw rejection;
        }
        if (misfit != null) {
            throw misfit;
        }
        FakeHandle handle = new FakeHandle();
        submissions.add(new Submission(request, sink, handle));
        if (answerAtOnce) {
            TOKENS.forEach(sink::onToken);
            sink.onFinish(result(request));
        }
        return handle;
    }

    static GenerationResult result(GenerationRequest request) {
        return new GenerationResult(FinishReason.EOS_TOKEN, "Hello world", request.promptIds().length, 3, List.of());
    }

    Submission last() {
        return submissions.get(submissions.size() - 1);
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public boolean isShuttingDown() {
        return false;
    }

    @Override
    public ModelDescription model() {
        return new ModelDescription(TinyLlama.NAME, "/opt/ml/model/tiny-llama", TinyLlama.MAX_MODEL_LEN, 1700000000L,
                Map.of("option.max_model_len", Map.of("value", 512, "source", "default")));
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public AdapterService adapters() {
        return adapters;
    }
}
