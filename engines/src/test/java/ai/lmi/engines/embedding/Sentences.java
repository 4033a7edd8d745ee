package ai.lmi.engines.embedding;

import java.util.List;

/** Test sentences of mixed lengths, shared by the engine tests. */
final class Sentences {

    static final List<String> MIXED = List.of(
            "A man is playing a guitar.",
            "The quick brown fox jumps over the lazy dog while the farmer watches from the porch of his old house.",
            "Hi",
            "Stock markets fell sharply on Monday after the central bank raised interest rates by half a point.",
            "I love pizza.",
            "Quantum computers use qubits, which can be zero and one at once thanks to superposition.",
            "Where is the train station?",
            "The cat sat on the mat.",
            "Photosynthesis converts light energy into chemical energy stored in glucose inside plant cells.",
            "Yes.",
            "She sells sea shells by the sea shore, and the shells she sells are surely sea shells.",
            "Machine learning models can be biased if the training data does not represent the people they serve.",
            "Good morning everyone!",
            "The meeting has been moved to Thursday afternoon at three in the large room on the second floor.",
            "Rain again today.",
            "Paris is the capital of France.");

    private Sentences() {}

    /** A text far longer than any max_model_len the tests set. */
    static String longText() {
        return "Embeddings turn text into vectors that can be compared. ".repeat(60);
    }
}
