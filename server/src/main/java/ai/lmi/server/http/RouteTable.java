package ai.lmi.server.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which endpoint answers which method and path; {@code {name}} segments match one path segment each. */
final class RouteTable {

    private final List<Route> routes = new ArrayList<>();

    RouteTable add(HttpMethod method, String pattern, Endpoint endpoint) {
        routes.add(new Route(method, segments(pattern), endpoint));
        return this;
    }

    /** The route for {@code method} and {@code path}; if none, the methods other routes allow on that path. */
    Match match(HttpMethod method, String path) {
        String[] segments = segments(path);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> params = route.match(segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Match(route.endpoint(), params, Set.of());
            }
            allowed.add(route.method().name());
        }
        return new Match(null, Map.of(), allowed);
    }

    /**
     * @param endpoint null when no route matched
     * @param allowedMethods when no route matched: methods allowed on the path (405), or empty (404)
     */
    record Match(Endpoint endpoint, Map<String, String> pathParams, Set<String> allowedMethods) {}

    private record Route(HttpMethod method, String[] pattern, Endpoint endpoint) {

        /** The path parameters when {@code path} matches, else null. */
        Map<String, String> match(String[] path) {
            if (path.length != pattern.length) {
                return null;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < pattern.length; i++) {
                if (pattern[i].startsWith("{") && pattern[i].endsWith("}")) {
                    params.put(pattern[i].substring(1, pattern[i].length() - 1), path[i]);
                } else if (!pattern[i].equals(path[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    /** Whether two paths name the same route path, as {@link #match} compares them. */
    static boolean samePath(String path, String other) {
        return Arrays.equals(segments(path), segments(other));
    }

    // "/a/b/" and "/a/b" are the same path; empty segments ("//") are dropped.
    private static String[] segments(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }
}
