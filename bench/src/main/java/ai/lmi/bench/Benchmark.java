package ai.lmi.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One invocation of the tool: checks the server, builds the workload, sends the warm-up, then each run in turn,
 * scraping the server's metrics around it and reporting it on stderr.
 */
final class Benchmark implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final BenchArguments args;
    private final PrintStream err;
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, daemon("bench-timer"));
    // Callbacks run where the client completes them, mostly its one selector thread: no pool hands lines
    // between threads, which keeps the client light next to the server it measures. None of them blocks.
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .executor(Runnable::run)
            .build();
    private BenchTokenizer tokenizer;

    Benchmark(BenchArguments args, PrintStream err) {
        this.args = args;
        this.err = err;
        // Every request schedules a timeout that is almost always cancelled; do not keep them queued.
        timers.setRemoveOnCancelPolicy(true);
    }

    BenchSummary run() throws BenchException, UsageException, InterruptedException {
        ServerApi api = api(new ServerProbe(http, args.url(), args.apiKey()));
        Workload workload = new Workload(prompts(),
                args.outputLengths().sampler(Seeds.derive(args.seed(), Seeds.OUTPUT_LENGTHS)));
        HttpStreamClient client =
                new HttpStreamClient(http, args.url(), args.apiKey(), api, args.requestTimeout(), timers);
        LoadRunner runner = new LoadRunner(client, args.api(), timers, err);
        MetricsScraper scraper = new MetricsScraper(http, args.url(), args.apiKey());
        boolean scrape = scrapeMetrics(scraper);
        if (args.warmup() > 0) {
            warmUp(runner, workload);
        }
        List<RunStats> runs = new ArrayList<>();
        for (int i = 0; i < args.loads().size(); i++) {
            RunStats stats = measure(args.loads().get(i), i + 1, runner, workload.take(args.numRequests()),
                    scrape ? scraper : null);
            err.print(Report.of(args.api(), stats));
            runs.add(stats);
        }
        return new BenchSummary(args.label(), args.url(), args.api(), List.copyOf(runs));
    }

    /**
     * One run, between two scrapes of the server's metrics when {@code scraper} is not null: the step split of
     * generation, or the batches that embeddings were computed in.
     */
    private RunStats measure(LoadPattern load, int run, LoadRunner runner, List<BenchRequest> requests,
            MetricsScraper scraper) throws InterruptedException {
        Optional<PrometheusText> before = scraper != null ? scraper.scrape() : Optional.empty();
        List<RequestRecord> records = runner.run(load.name(), load, requests, arrivalSeed(run));
        StepSplit split = null;
        EmbeddingBatches batches = null;
        if (scraper != null) {
            Optional<PrometheusText> after = before.isPresent() ? scraper.scrape() : Optional.empty();
            if (after.isEmpty()) {
                err.println("no " + scrapedReport() + " for " + load.name() + ": GET " + scraper.url() + " "
                        + scraper.problem());
            } else if (args.api() == Api.EMBEDDINGS) {
                batches = EmbeddingBatches.between(before.get(), after.get());
            } else {
                split = StepSplit.between(before.get(), after.get());
            }
        }
        return RunStats.of(load, records, args.goodput(), split, batches);
    }

    /** The request schema, after checking that the server answers at all. */
    private ServerApi api(ServerProbe probe) throws BenchException, InterruptedException {
        if (args.api() == Api.INVOCATIONS) {
            probe.get("/ping");
            return new InvocationsApi(args.temperature(), args.ignoreEos());
        }
        String model = args.modelName();
        if (model == null) {
            model = probe.firstModelId();
        } else {
            probe.get("/v1/models");
        }
        if (args.api() == Api.EMBEDDINGS) {
            return new EmbeddingsApi(model);
        }
        return new CompletionsApi(List.of(model.split(",")), args.temperature(), args.ignoreEos(), args.extraBody());
    }

    private PromptSource prompts() throws BenchException, UsageException {
        PromptOptions options = args.prompts();
        if (options.tokenizer() != null) {
            try {
                tokenizer = BenchTokenizer.load(options.tokenizer());
            } catch (IOException | RuntimeException e) {
                throw new BenchException("--tokenizer " + options.tokenizer() + " cannot be loaded: " + e.getMessage(),
                        e);
            }
        }
        if (options.promptsFile() != null) {
            return FilePrompts.read(options.promptsFile(), tokenizer);
        }
        int vocabSize = options.vocabSize() != null ? options.vocabSize()
                : tokenizer != null ? tokenizer.vocabSize() : PromptOptions.DEFAULT_VOCAB_SIZE;
        if (options.format() == PromptFormat.TEXT) {
            return new TextPrompts(tokenizer, options.promptTokens(), options.sharedPrefixTokens(), vocabSize,
                    args.seed());
        }
        return new TokenIdPrompts(options.promptTokens(), options.sharedPrefixTokens(), options.bosId(), vocabSize,
                args.seed());
    }

    /** Whether to scrape around each run; a server without LMI metrics is named as such, and the runs go on. */
    private boolean scrapeMetrics(MetricsScraper scraper) throws InterruptedException {
        if (args.metrics() == MetricsMode.OFF) {
            return false;
        }
        Optional<PrometheusText> metrics = scraper.scrape();
        if (metrics.isEmpty()) {
            err.println("no " + scrapedReport() + ": GET " + scraper.url() + " " + scraper.problem()
                    + " (not an LMI server?)");
            return false;
        }
        String lmiMetric = args.api() == Api.EMBEDDINGS ? EmbeddingBatches.SIZE_METRIC : StepSplit.STEP_METRIC;
        if (args.metrics() == MetricsMode.AUTO && !metrics.get().hasFamily(lmiMetric)) {
            err.println("no " + scrapedReport() + ": " + scraper.url() + " has no " + lmiMetric
                    + " metric (not an LMI server?)"
                    + (args.api() == Api.EMBEDDINGS ? "" : "; --metrics reports its other LMI counters anyway"));
            return false;
        }
        return true;
    }

    /** What the scrapes around a run report. */
    private String scrapedReport() {
        return args.api() == Api.EMBEDDINGS ? "embedding batch sizes" : "step split";
    }

    private void warmUp(LoadRunner runner, Workload workload) throws InterruptedException {
        LoadPattern load = args.loads().get(0);
        List<RequestRecord> records = runner.run("warmup", load, workload.take(args.warmup()), arrivalSeed(0));
        records.stream().filter(r -> !r.ok()).findFirst().ifPresent(first -> err.println("warm-up: "
                + records.stream().filter(r -> !r.ok()).count() + " of " + records.size() + " requests failed, first "
                + first.error().kind() + ": " + first.error().message()));
    }

    /** Run 0 is the warm-up, the measured runs count from 1. */
    private long arrivalSeed(int run) {
        return Seeds.derive(Seeds.derive(args.seed(), Seeds.ARRIVALS), run);
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        timers.shutdownNow();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
