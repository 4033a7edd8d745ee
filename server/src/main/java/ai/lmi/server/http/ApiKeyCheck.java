package ai.lmi.server.http;

import ai.lmi.server.config.Secret;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a request carries {@code option.api_key}, as {@code Authorization: Bearer KEY} or {@code X-Api-Key: KEY}.
 * Keys are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so that the time a comparison takes tells
 * neither the key's content nor its length.
 */
final class ApiKeyCheck {

    static final String X_API_KEY = "X-Api-Key";
    static final String HOW_TO_SEND = "send it as 'Authorization: Bearer <key>' or '" + X_API_KEY + ": <key>'";
    private static final String BEARER = "bearer ";

    private final byte[] keyDigest;

    ApiKeyCheck(Secret key) {
        this.keyDigest = sha256(key.reveal());
    }

    /** Empty when {@code headers} carry the key; else why the request is refused, without echoing what it sent. */
    Optional<String> refusal(HttpHeaders headers) {
        List<String> sent = new ArrayList<>(headers.getAll(X_API_KEY));
        for (String authorization : headers.getAll(HttpHeaderNames.AUTHORIZATION)) {
            String value = authorization.strip();
            if (value.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
                sent.add(value.substring(BEARER.length()).strip());
            }
        }
        boolean accepted = false;
        // Every candidate is digested and compared, a match or not, so that no early exit shows which one matched.
        for (String candidate : sent) {
            accepted |= MessageDigest.isEqual(keyDigest, sha256(candidate));
        }
        if (accepted) {
            return Optional.empty();
        }
        if (sent.isEmpty() && !headers.contains(HttpHeaderNames.AUTHORIZATION)) {
            return Optional.of("this server requires an API key; " + HOW_TO_SEND);
        }
        return Optional.of("the API key sent is not valid; " + HOW_TO_SEND);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
