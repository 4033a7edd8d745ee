package ai.lmi.bench;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The validated command line of {@code lmi bench}; {@link HelpText} documents every flag. Every error names the
 * flag and what it accepts.
 *
 * @param url the server's base URL, without a trailing slash
 * @param apiKey {@code --api-key}, or {@link ApiKey#NONE}
 * @param modelName null to ask the server's {@code /v1/models}
 * @param extraBody {@code --extra-body}, or {@link ExtraBody#NONE}
 * @param loads one run each, in order
 * @param goodput null without {@code --goodput}
 * @param plot null without {@code --plot}; likewise {@code label} and {@code resultFile}
 */
public record BenchArguments(
        URI url,
        ApiKey apiKey,
        Api api,
        String modelName,
        double temperature,
        boolean ignoreEos,
        ExtraBody extraBody,
        List<LoadPattern> loads,
        int numRequests,
        int warmup,
        PromptOptions prompts,
        OutputLengths outputLengths,
        long seed,
        Duration requestTimeout,
        Goodput goodput,
        MetricsMode metrics,
        Path plot,
        String label,
        Path resultFile) {

    private static final Set<String> VALUE_FLAGS = Set.of("--url", "--api-key", "--api", "--model-name",
            "--temperature", "--concurrency", "--request-rate", "--max-concurrency", "--num-requests", "--warmup",
            "--prompt-tokens", "--prompt-source", "--tokenizer", "--vocab-size", "--bos-id", "--shared-prefix-tokens",
            FilePrompts.FLAG, "--seed", "--max-tokens", "--max-tokens-range", "--request-timeout", Goodput.FLAG,
            "--plot", "--label", "--result-file", ExtraBody.FLAG);
    private static final Set<String> SWITCHES = Set.of("--ignore-eos", "--metrics", "--no-metrics");

    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    static final int DEFAULT_NUM_REQUESTS = 100;
    static final int DEFAULT_PROMPT_TOKENS = 128;
    static final int DEFAULT_MAX_TOKENS = 128;
    static final int DEFAULT_TIMEOUT_S = 600;

    public static BenchArguments parse(List<String> args) throws UsageException {
        ArgumentReader in = ArgumentReader.read(args, VALUE_FLAGS, SWITCHES);
        Api api = in.choice("--api", Api.values(), Api::flagValue).orElse(Api.COMPLETIONS);
        if (api == Api.EMBEDDINGS) {
            rejectGenerationFlags(in);
        }
        return new BenchArguments(
                url(in.string("--url").orElse(DEFAULT_URL)),
                in.string("--api-key").isPresent() ? ApiKey.of(in.string("--api-key").get()) : ApiKey.NONE,
                api,
                in.string("--model-name").orElse(null),
                in.decimal("--temperature", 0, true).orElse(0.0),
                in.has("--ignore-eos"),
                extraBody(in, api),
                loads(in),
                in.integer("--num-requests", 1).orElse(DEFAULT_NUM_REQUESTS),
                in.integer("--warmup", 0).orElse(0),
                prompts(in, api),
                outputLengths(in),
                in.longInteger("--seed").orElse(0L),
                Duration.ofMillis(Math.round(1000 * in.decimal("--request-timeout", 0, false)
                        .orElse((double) DEFAULT_TIMEOUT_S))),
                goodput(in, api),
                metrics(in),
                plot(in),
                in.string("--label").orElse(null),
                in.string("--result-file").map(Path::of).orElse(null));
    }

    /** Embeddings generate no tokens: flags about generated tokens would be silently meaningless. */
    private static void rejectGenerationFlags(ArgumentReader in) throws UsageException {
        for (String flag : List.of("--max-tokens", "--max-tokens-range", "--ignore-eos", "--temperature")) {
            if (in.has(flag)) {
                throw new UsageException(flag + " does not apply to --api embeddings: an embedding request "
                        + "generates no tokens");
            }
        }
        if (in.has("--plot")) {
            throw new UsageException("--plot does not apply to --api embeddings: it draws output token throughput "
                    + "and TPOT");
        }
    }

    private static ExtraBody extraBody(ArgumentReader in, Api api) throws UsageException {
        if (in.string(ExtraBody.FLAG).isEmpty()) {
            return ExtraBody.NONE;
        }
        if (api != Api.COMPLETIONS) {
            throw new UsageException(ExtraBody.FLAG + " applies to --api completions only, not " + api.flagValue());
        }
        return ExtraBody.parse(in.string(ExtraBody.FLAG).get());
    }

    private static Goodput goodput(ArgumentReader in, Api api) throws UsageException {
        if (in.string(Goodput.FLAG).isEmpty()) {
            return null;
        }
        Goodput goodput = Goodput.parse(in.string(Goodput.FLAG).get());
        if (api == Api.EMBEDDINGS && (goodput.ttftMs() != null || goodput.tpotMs() != null)) {
            throw new UsageException(Goodput.FLAG + " " + (goodput.ttftMs() != null ? "ttft" : "tpot")
                    + " does not apply to --api embeddings: an embedding arrives whole; limit e2el instead");
        }
        return goodput;
    }

    private static URI url(String text) throws UsageException {
        String trimmed = text.strip().replaceAll("/+$", "");
        try {
            URI url = new URI(trimmed);
            if (("http".equals(url.getScheme()) || "https".equals(url.getScheme())) && url.getHost() != null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // Reported below.
        }
        throw new UsageException("--url must be an http:// or https:// URL such as " + DEFAULT_URL + ", got '"
                + text + "'");
    }

    private static List<LoadPattern> loads(ArgumentReader in) throws UsageException {
        if (in.has("--request-rate")) {
            if (in.has("--concurrency")) {
                throw new UsageException("--concurrency (closed loop) and --request-rate (open loop) exclude "
                        + "each other; give one");
            }
            int cap = in.integer("--max-concurrency", 1).orElse(0);
            List<LoadPattern> loads = new ArrayList<>();
            for (double rate : in.decimals("--request-rate", 0, false).orElseThrow()) {
                loads.add(new LoadPattern.OpenLoop(rate, cap));
            }
            return List.copyOf(loads);
        }
        if (in.has("--max-concurrency")) {
            throw new UsageException("--max-concurrency caps an open loop; it needs --request-rate "
                    + "(with --concurrency, the concurrency is the cap)");
        }
        List<LoadPattern> loads = new ArrayList<>();
        for (int concurrency : in.integers("--concurrency", 1).orElse(List.of(1))) {
            loads.add(new LoadPattern.ClosedLoop(concurrency));
        }
        return List.copyOf(loads);
    }

    private static PromptOptions prompts(ArgumentReader in, Api api) throws UsageException {
        Path tokenizer = in.string("--tokenizer").map(Path::of).orElse(null);
        if (tokenizer != null && !Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new UsageException("--tokenizer must be a model directory holding tokenizer.json; " + tokenizer
                    + " has none");
        }
        Integer vocabSize = in.integer("--vocab-size", RandomTokens.FIRST_ID + 1).orElse(null);
        int bosId = in.integer("--bos-id", -1).orElse(1);
        Path promptsFile = in.string(FilePrompts.FLAG).map(Path::of).orElse(null);
        if (promptsFile != null) {
            for (String synthetic : List.of("--prompt-tokens", "--prompt-source", "--shared-prefix-tokens")) {
                if (in.has(synthetic)) {
                    throw new UsageException(synthetic + " shapes synthetic prompts; it cannot be used with "
                            + FilePrompts.FLAG);
                }
            }
            return new PromptOptions(0, PromptFormat.TEXT, tokenizer, vocabSize, bosId, 0, promptsFile);
        }
        int promptTokens = in.integer("--prompt-tokens", 1).orElse(DEFAULT_PROMPT_TOKENS);
        int shared = in.integer("--shared-prefix-tokens", 0).orElse(0);
        if (shared > promptTokens) {
            throw new UsageException("--shared-prefix-tokens must be <= --prompt-tokens (" + promptTokens + "), got "
                    + shared);
        }
        PromptFormat format = in.choice("--prompt-source", PromptFormat.values(), PromptFormat::flagValue)
                .orElse(api == Api.COMPLETIONS ? PromptFormat.IDS : PromptFormat.TEXT);
        if (format == PromptFormat.IDS && api != Api.COMPLETIONS) {
            throw new UsageException("--prompt-source ids is not possible with --api " + api.flagValue()
                    + ": its schema takes text inputs only; use --prompt-source text with --tokenizer DIR");
        }
        if (format == PromptFormat.TEXT && tokenizer == null) {
            String which = in.has("--prompt-source") ? "" : " (the default for --api " + api.flagValue() + ")";
            throw new UsageException("--prompt-source text" + which + " needs --tokenizer DIR, a model directory "
                    + "with tokenizer.json, to make prompts of exactly --prompt-tokens tokens; or give "
                    + "--prompts-file FILE.jsonl");
        }
        return new PromptOptions(promptTokens, format, tokenizer, vocabSize, bosId, shared, null);
    }

    private static OutputLengths outputLengths(ArgumentReader in) throws UsageException {
        if (in.has("--max-tokens-range")) {
            if (in.has("--max-tokens")) {
                throw new UsageException("--max-tokens and --max-tokens-range exclude each other; give one");
            }
            String text = in.string("--max-tokens-range").orElseThrow();
            String[] bounds = text.split(":", -1);
            try {
                if (bounds.length == 2) {
                    int low = Integer.parseInt(bounds[0].strip());
                    int high = Integer.parseInt(bounds[1].strip());
                    if (low >= 1 && high >= low) {
                        return new OutputLengths(low, high);
                    }
                }
            } catch (NumberFormatException e) {
                // Reported below.
            }
            throw new UsageException("--max-tokens-range must be LO:HI with integers 1 <= LO <= HI, got '" + text
                    + "'");
        }
        return OutputLengths.fixed(in.integer("--max-tokens", 1).orElse(DEFAULT_MAX_TOKENS));
    }

    private static MetricsMode metrics(ArgumentReader in) throws UsageException {
        if (in.has("--metrics") && in.has("--no-metrics")) {
            throw new UsageException("--metrics and --no-metrics exclude each other; give one");
        }
        return in.has("--metrics") ? MetricsMode.ON : in.has("--no-metrics") ? MetricsMode.OFF : MetricsMode.AUTO;
    }

    private static Path plot(ArgumentReader in) throws UsageException {
        if (in.has("--plot") && in.has("--request-rate")) {
            throw new UsageException("--plot draws a concurrency sweep; it needs --concurrency, not --request-rate");
        }
        return in.string("--plot").map(Path::of).orElse(null);
    }
}
