package ai.lmi.server.engine;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.generation.TokenSink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records a generation's events for a test to inspect. */
final class CollectingSink implements TokenSink {
    final List<GeneratedToken> tokens = new CopyOnWriteArrayList<>();
    final CompletableFuture<GenerationResult> result = new CompletableFuture<>();

    @Override
    public void onToken(GeneratedToken token) {
        tokens.add(token);
    }

    @Override
    public void onFinish(GenerationResult finished) {
        result.complete(finished);
    }

    @Override
    public void onError(String message) {
        result.completeExceptionally(new IllegalStateException(message));
    }

    int[] tokenIds() {
        return tokens.stream().mapToInt(GeneratedToken::id).toArray();
    }

    String text() {
        StringBuilder text = new StringBuilder();
        tokens.forEach(token -> text.append(token.text()));
        return text.toString();
    }
}
