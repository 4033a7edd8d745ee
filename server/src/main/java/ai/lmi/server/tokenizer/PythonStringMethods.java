package ai.lmi.server.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods that chat templates call ({@code content.startswith('<think>')},
 * {@code text.split('</think>')[-1].lstrip('\n')}, {@code role.upper()}), which Jinjava would
 * otherwise look up as Java methods of {@link String} and not find.
 */
final class PythonStringMethods extends ELResolver {

    private static final String WHITESPACE = " \t\n\r\u000b\f";

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String text) || !(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(text, name, args);
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    /** The result of {@code text.name(args)} in Python, or null for a method left to Jinjava. */
    private static Object call(String text, String name, Object[] args) {
        String chars = args.length > 0 && args[0] != null ? args[0].toString() : WHITESPACE;
        return switch (name) {
            case "strip" -> stripEnd(stripStart(text, chars), chars);
            case "lstrip" -> stripStart(text, chars);
            case "rstrip" -> stripEnd(text, chars);
            case "startswith" -> affixes(args).stream().anyMatch(text::startsWith);
            case "endswith" -> affixes(args).stream().anyMatch(text::endsWith);
            case "upper" -> text.toUpperCase(Locale.ROOT);
            case "lower" -> text.toLowerCase(Locale.ROOT);
            case "title" -> title(text);
            case "capitalize" -> text.isEmpty() ? text
                    : text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1).toLowerCase(Locale.ROOT);
            case "split" -> split(text, args);
            default -> null;
        };
    }

    private static String stripStart(String text, String chars) {
        int start = 0;
        while (start < text.length() && chars.indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        return text.substring(start);
    }

    private static String stripEnd(String text, String chars) {
        int end = text.length();
        while (end > 0 && chars.indexOf(text.charAt(end - 1)) >= 0) {
            end--;
        }
        return text.substring(0, end);
    }

    // startswith/endswith take one string or a tuple (a list here) of them.
    private static List<String> affixes(Object[] args) {
        if (args.length == 0) {
            return List.of();
        }
        if (args[0] instanceof Iterable<?> many) {
            List<String> list = new ArrayList<>();
            many.forEach(item -> list.add(String.valueOf(item)));
            return list;
        }
        return List.of(String.valueOf(args[0]));
    }

    private static String title(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean wordStart = true;
        for (char c : text.toCharArray()) {
            out.append(wordStart ? Character.toUpperCase(c) : Character.toLowerCase(c));
            wordStart = !Character.isLetter(c);
        }
        return out.toString();
    }

    // split() splits on runs of whitespace and drops empty ends; split(sep[, maxsplit]) keeps them.
    private static List<String> split(String text, Object[] args) {
        if (args.length == 0 || args[0] == null) {
            String trimmed = stripEnd(stripStart(text, WHITESPACE), WHITESPACE);
            return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("[ \t\n\r\u000b\f]+"));
        }
        String separator = args[0].toString();
        if (separator.isEmpty()) {
            throw new ChatTemplateException("chat template called split with an empty separator");
        }
        int maxSplit = args.length > 1 ? ((Number) args[1]).intValue() : -1;
        List<String> parts = new ArrayList<>();
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = text.indexOf(separator, from)) >= 0) {
            parts.add(text.substring(from, at));
            from = at + separator.length();
        }
        parts.add(text.substring(from));
        return parts;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
