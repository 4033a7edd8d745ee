package ai.lmi.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

/**
 * {@code lmi bench}: runs the benchmark the command line describes. Progress and reports go to stderr; stdout
 * carries only the JSON summary, as its last line, or the {@code --help} text.
 */
public final class BenchMain {

    private static final int EXIT_OK = 0;
    private static final int EXIT_FAILED = 1;
    private static final int EXIT_USAGE = 2;

    private BenchMain() {}

    public static void main(String[] args) {
        System.exit(execute(Arrays.asList(args), System.out, System.err));
    }

    /** The whole command: output to {@code out} and {@code err}, and the exit status. */
    static int execute(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--help") || args.contains("-h")) {
            out.print(HelpText.TEXT);
            out.flush();
            return EXIT_OK;
        }
        try {
            BenchSummary summary = run(args, err);
            out.println(SummaryJson.line(summary));
            out.flush();
            return EXIT_OK;
        } catch (UsageException e) {
            err.println("lmi bench: " + e.getMessage());
            return EXIT_USAGE;
        } catch (BenchException e) {
            err.println("lmi bench: " + e.getMessage());
            return EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("lmi bench: interrupted");
            return EXIT_FAILED;
        }
    }

    /**
     * Runs the benchmark {@code args} describe, reporting each run on {@code err}, and writes the
     * {@code --result-file} and {@code --plot} when asked.
     *
     * @throws UsageException for a bad command line
     * @throws BenchException when the server cannot be reached or a file cannot be written
     */
    public static BenchSummary run(List<String> args, PrintStream err)
            throws UsageException, BenchException, InterruptedException {
        BenchArguments arguments = BenchArguments.parse(args);
        BenchSummary summary;
        try (Benchmark benchmark = new Benchmark(arguments, err)) {
            summary = benchmark.run();
        }
        if (arguments.resultFile() != null) {
            try {
                Files.writeString(arguments.resultFile(), SummaryJson.line(summary) + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new BenchException("--result-file " + arguments.resultFile() + " cannot be written: "
                        + e.getMessage(), e);
            }
        }
        if (arguments.plot() != null) {
            try {
                SweepChart.write(summary, arguments.plot());
            } catch (IOException e) {
                throw new BenchException("--plot " + arguments.plot() + " cannot be written: " + e.getMessage(), e);
            }
        }
        return summary;
    }
}
