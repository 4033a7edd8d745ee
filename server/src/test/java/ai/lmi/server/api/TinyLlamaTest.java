package ai.lmi.server.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lmi.server.tokenizer.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TinyLlamaTest {

    @Test
    void loadsTheRealTokenizerAndTheChatVariant() {
        assertArrayEquals(new int[] {1, 22557, 1526}, TinyLlama.tokenizer().encode("Hello world", true));
        String prompt = TinyLlama.chatTokenizer().chatTemplate().render(List.of(new ChatMessage("user", "Hi")), true);
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", prompt);
    }
}
