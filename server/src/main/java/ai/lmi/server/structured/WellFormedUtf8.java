package ai.lmi.server.structured;

import org.apache.lucene.util.automaton.Automaton;

/**
 * The automaton of well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Lucene's UTF32ToUTF8 writes a range that spans whole lead bytes as "any continuation bytes", which
 * admits overlong forms such as E0 80 80; a model can spell those with byte-fallback tokens, and the detokenized
 * text would then hold U+FFFD instead of what the pattern allows.
 */
final class WellFormedUtf8 {

    private WellFormedUtf8() {}

    static Automaton automaton() {
        Automaton a = new Automaton();
        int start = a.createState();
        int need1 = a.createState();
        int need2 = a.createState();
        int need3 = a.createState();
        int afterE0 = a.createState();
        int afterEd = a.createState();
        int afterF0 = a.createState();
        int afterF4 = a.createState();
        a.setAccept(start, true);
        a.addTransition(start, start, 0x00, 0x7F);
        a.addTransition(start, need1, 0xC2, 0xDF);
        a.addTransition(start, afterE0, 0xE0, 0xE0);
        a.addTransition(start, need2, 0xE1, 0xEC);
        a.addTransition(start, afterEd, 0xED, 0xED);
        a.addTransition(start, need2, 0xEE, 0xEF);
        a.addTransition(start, afterF0, 0xF0, 0xF0);
        a.addTransition(start, need3, 0xF1, 0xF3);
        a.addTransition(start, afterF4, 0xF4, 0xF4);
        a.addTransition(need1, start, 0x80, 0xBF);
        a.addTransition(need2, need1, 0x80, 0xBF);
        a.addTransition(need3, need2, 0x80, 0xBF);
        a.addTransition(afterE0, need1, 0xA0, 0xBF);
        a.addTransition(afterEd, need1, 0x80, 0x9F);
        a.addTransition(afterF0, need2, 0x90, 0xBF);
        a.addTransition(afterF4, need2, 0x80, 0x8F);
        a.finishState();
        return a;
    }
}
