package ai.lmi.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line: {@code --model DIR}, {@code --config FILE}, and {@code --KEY VALUE} or
 * {@code --KEY=VALUE} for any configuration key ({@code --port 9000}, {@code --option.block_size=32}).
 */
record CommandLineArguments(Map<String, ConfigEntry> settings, Optional<Path> configFile) {

    private static final String USAGE = "use --model DIR, --config FILE, --KEY VALUE or --KEY=VALUE";

    /** Reads the arguments; throws ConfigException listing every malformed one. */
    static CommandLineArguments parse(List<String> args) {
        Map<String, ConfigEntry> settings = new LinkedHashMap<>();
        Path configFile = null;
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2 || arg.charAt(2) == '=') {
                errors.add("command line: unexpected argument '" + arg + "'; " + USAGE);
                continue;
            }
            String flag = arg.substring(2);
            String value;
            int equals = flag.indexOf('=');
            if (equals >= 0) {
                value = flag.substring(equals + 1);
                flag = flag.substring(0, equals);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                errors.add("command line: --" + flag + " needs a value; " + USAGE);
                continue;
            }
            if (flag.equals("config")) {
                configFile = Path.of(value);
            } else {
                String key = flag.equals("model") ? ConfigKeys.MODEL_ID.name() : flag;
                settings.put(key, new ConfigEntry(key, value, ConfigSource.COMMAND_LINE));
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new CommandLineArguments(Collections.unmodifiableMap(settings), Optional.ofNullable(configFile));
    }
}
