package ai.lmi.server.structured;

import static ai.lmi.server.structured.JsonRegexParts.COLON;
import static ai.lmi.server.structured.JsonRegexParts.COMMA;

import java.util.ArrayList;
import java.util.List;

/**
 * Objects whose members come in a fixed order, each at most once, the required ones always: a regex cannot count
 * which members it has seen, so the order is what rules out duplicates, and the comma placement is the difficulty.
 */
final class ObjectRegex {

    /** A member: its name, the regex of its value, and whether it must be present. */
    record Member(String name, String value, boolean required) {
        String regex() {
            return JsonRegexParts.quote(JsonRegexParts.jsonString(name)) + COLON + value;
        }
    }

    private ObjectRegex() {}

    /** Any subset of the members that holds the required ones, in the given order. */
    static String of(List<Member> members) {
        int firstRequired = -1;
        for (int i = 0; i < members.size() && firstRequired < 0; i++) {
            firstRequired = members.get(i).required ? i : -1;
        }
        StringBuilder body = new StringBuilder();
        if (firstRequired >= 0) {
            // A required member follows every optional one before it, so those can carry their comma after them.
            for (Member member : members.subList(0, firstRequired)) {
                body.append(JsonRegexParts.optional(member.regex() + COMMA));
            }
            body.append(members.get(firstRequired).regex()).append(after(members, firstRequired + 1));
        } else {
            // All optional: which member comes first decides where the commas go.
            List<String> byFirst = new ArrayList<>();
            for (int first = 0; first < members.size(); first++) {
                byFirst.add(members.get(first).regex() + after(members, first + 1));
            }
            body.append(JsonRegexParts.optional(JsonRegexParts.alternation(byFirst)));
        }
        return "\\{" + body + "\\}";
    }

    /**
     * The required members, in order, then any number of members with arbitrary names whose values match {@code value}.
     * Names may repeat (a regex cannot rule that out for arbitrary names): Jackson keeps the last, a valid value too.
     */
    static String withAnyMembers(List<Member> required, String value) {
        if (required.isEmpty()) {
            return JsonRegexParts.anyObjectOf(value);
        }
        List<String> members = new ArrayList<>();
        required.forEach(member -> members.add(member.regex()));
        String any = JsonRegexParts.ANY_STRING + COLON + value;
        return "\\{" + String.join(COMMA, members) + JsonRegexParts.repeat(COMMA + any, 0, -1) + "\\}";
    }

    /** The members from {@code start} on, after one has been written: each with its comma before it. */
    private static String after(List<Member> members, int start) {
        StringBuilder regex = new StringBuilder();
        for (Member member : members.subList(start, members.size())) {
            String withComma = COMMA + member.regex();
            regex.append(member.required ? withComma : JsonRegexParts.optional(withComma));
        }
        return regex.toString();
    }
}
