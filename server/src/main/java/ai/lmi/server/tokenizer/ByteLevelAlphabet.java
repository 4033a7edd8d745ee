package ai.lmi.server.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's byte-to-character table, which byte-level BPE vocabularies are written in: printable bytes stand for
 * themselves and the others for the characters from U+0100 on, in byte order.
 */
final class ByteLevelAlphabet {

    /** The byte each character stands for, -1 for characters outside the alphabet. */
    private static final int[] BYTE_OF = new int[512];

    static {
        Arrays.fill(BYTE_OF, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_OF[printable ? b : next++] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The bytes of a byte-level token string; null if a character is outside the alphabet (an added token). */
    static byte[] bytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= BYTE_OF.length || BYTE_OF[c] < 0) {
                return null;
            }
            out[i] = (byte) BYTE_OF[c];
        }
        return out;
    }
}
