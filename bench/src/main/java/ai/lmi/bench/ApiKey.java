package ai.lmi.bench;

import java.net.http.HttpRequest;

/**
 * {@code --api-key}: sent with every request to the server, the probes and metrics scrapes included, as
 * {@code Authorization: Bearer KEY}, which LMI Server, vLLM and OpenAI accept. It never prints.
 */
final class ApiKey {

    static final ApiKey NONE = new ApiKey(null);

    /** Null when none was given. */
    private final String key;

    private ApiKey(String key) {
        this.key = key;
    }

    static ApiKey of(String key) throws UsageException {
        if (key.isBlank()) {
            throw new UsageException("--api-key must not be empty");
        }
        return new ApiKey(key.strip());
    }

    /** {@code builder} with the key's header added, when there is a key. */
    HttpRequest.Builder authorize(HttpRequest.Builder builder) {
        return key == null ? builder : builder.header("Authorization", "Bearer " + key);
    }

    boolean isPresent() {
        return key != null;
    }

    @Override
    public String toString() {
        return key == null ? "none" : "****";
    }
}
