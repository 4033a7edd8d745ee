package ai.lmi.bench;

/** The {@code --help} text: every flag, its default, and what the numbers mean. */
final class HelpText {

    static final String TEXT = """
            usage: lmi bench [FLAGS]

            Load generator for LLM servers: streams generation requests, times every token as it arrives, and
            reports per run TTFT, TPOT, ITL and end-to-end latency (mean, p50, p90, p99), throughput, errors,
            goodput, and the server's step split when it is an LMI server. With --api embeddings it sends one
            sentence per request and reports sentences and input tokens per second, end-to-end latency, errors,
            and the batch sizes the server's dynamic batching formed. Progress and the human report go to
            stderr; the last line of stdout is one JSON object with every run.

            Target
              --url URL                  server base URL (default %s)
              --api-key KEY              sent as "Authorization: Bearer KEY" with every request, the
                                         /v1/models probe and the /metrics scrapes included (LMI Server's
                                         option.api_key, vLLM's --api-key); without it, none is sent
              --api completions|invocations|embeddings
                                         completions: OpenAI POST /v1/completions, streamed as server-sent
                                         events with usage; invocations: LMI POST /invocations, streamed as JSON
                                         lines; embeddings: OpenAI POST /v1/embeddings, {"model", "input"} with
                                         one sentence, answered whole; it succeeds with one data[0].embedding
                                         (default completions)
              --model-name NAME          the "model" of completions and embeddings requests (default: the first
                                         id that GET /v1/models lists); NAME,NAME,... : completions requests
                                         name each in turn (a model's LoRA adapters)
              --request-timeout S        seconds a request may take from send to its last byte (default %d);
                                         a request over it counts as failed with kind timeout

            Load (one run per value; --concurrency and --request-rate exclude each other)
              --concurrency LIST         closed loop: this many requests always in flight, a comma-separated
                                         list for a sweep, e.g. 1,4,16,64 (default 1)
              --request-rate LIST        open loop: requests per second arriving with exponential (Poisson)
                                         gaps, seeded; a comma-separated list for several runs
              --max-concurrency N        with --request-rate: arrivals wait while N requests are in flight
                                         (default: no cap)
              --num-requests N           requests per run (default %d)
              --warmup N                 requests sent first, with the first run's load, and not counted
                                         (default 0)

            Prompts
              --prompt-tokens N          synthetic prompts of exactly N tokens (default %d)
              --prompt-source ids|text   ids: a JSON array of random token ids as the completions "prompt",
                                         the first being --bos-id, no tokenizer needed (default for
                                         completions; not possible with invocations or embeddings); text: text
                                         that --tokenizer encodes to exactly N tokens, counted WITHOUT the
                                         special tokens (BOS; [CLS] and [SEP]) the server adds (default for
                                         invocations and embeddings); with a WordPiece tokenizer (BERT-style
                                         embedding models) the text is random whole words of the vocabulary
              --tokenizer DIR            a model directory with tokenizer.json, read offline; needed for text
              --vocab-size N             random ids are drawn uniformly from [3, N) (default: the tokenizer's
                                         vocabulary when --tokenizer is given, else %d)
              --bos-id ID                first token of every ids prompt, counted in N; -1 for none (default 1)
              --shared-prefix-tokens K   every prompt starts with the same K tokens (BOS included), then N-K
                                         random ones, for prefix-caching tests (default 0)
              --prompts-file FILE.jsonl  one JSON object per line: "prompt" (a string) and optional
                                         "max_tokens"; prompts repeat when there are fewer than requests;
                                         input tokens are counted with --tokenizer when given, else taken from
                                         the server's usage report (invocations: 0). Excludes --prompt-tokens,
                                         --prompt-source and --shared-prefix-tokens
              --seed S                   seeds prompts, output lengths and arrivals (default 0); each run of a
                                         sweep gets fresh prompts, so a prefix cache cannot flatter later runs

            Generation (none of these applies to --api embeddings)
              --max-tokens N             tokens each request asks for (default %d)
              --max-tokens-range LO:HI   instead, uniform integers in [LO, HI] per request, seeded
              --ignore-eos               ask the server to ignore end-of-sequence ("ignore_eos": true), so
                                         requests produce exactly their max tokens
              --temperature T            sampling temperature (default 0: greedy; invocations send
                                         "do_sample": false)
              --extra-body JSON          fields added to every completions request, e.g.
                                         '{"guided_regex": "[a-z ]+"}' (not the fields the flags above set)

            Measurement
              --goodput SPEC             service-level limits in ms, any of ttft:MS,tpot:MS,e2el:MS; a request
                                         is good when it completed within every limit given; reports good
                                         requests per second and their fraction of all requests sent; only
                                         e2el with --api embeddings
              --metrics                  scrape URL/metrics before and after each run whenever it answers 200,
                                         and report the change of lmi_step_seconds per phase label,
                                         lmi_prefix_cache_hit_tokens_total and lmi_preemptions_total, as far
                                         as the server has them; with --api embeddings, the batches dynamic
                                         batching formed: their number, mean inputs per batch, mean ms per
                                         batch (lmi_embedding_batch_seconds) and the lmi_embedding_batch_size
                                         buckets (JSON: cumulative per le, as Prometheus counts them)
              --no-metrics               never scrape (default: scrape only when /metrics answers 200 with an
                                         lmi_step_seconds metric, lmi_embedding_batch_size for embeddings, i.e.
                                         an LMI server; otherwise say so and go on)

            Output
              --label TEXT               a label for the JSON summary and the plot
              --result-file FILE.json    also write the JSON summary to FILE
              --plot FILE.png            after the runs, a PNG of output token throughput and TPOT (mean, p99)
                                         against concurrency; needs --concurrency (a single value gives single
                                         points); not with --api embeddings
              --help                     this text

            Definitions (as vLLM's bench serve): TTFT = first token arrival - send; TPOT = (e2el - TTFT) /
            (output tokens - 1), for requests with more than one output token; ITL = every gap between
            consecutive token chunks of a request, pooled; e2el = last token arrival - send; duration = first
            send to last completion; throughputs divide completed requests' tokens by the duration. Output
            tokens: the server's count (usage.completion_tokens, details.generated_tokens) when it sends one,
            else one per streamed token chunk; input tokens: usage.prompt_tokens when the server sends it
            (a text prompt's BOS included), else the prompt's own count. Embeddings: one sentence per request,
            so request_throughput in the JSON is sentences per second; e2el = response arrival - send.
            Percentiles interpolate linearly (numpy's default). Failed requests (HTTP status other than 200,
            an in-band error, a timeout, a lost connection, a stream cut short) are counted per kind with their
            first message and left out of the latencies and throughputs.

            Exit status: 0 when the runs completed, failed requests included; 1 when the server cannot be
            reached or a file cannot be written; 2 for bad arguments.
            """.formatted(BenchArguments.DEFAULT_URL, BenchArguments.DEFAULT_TIMEOUT_S,
            BenchArguments.DEFAULT_NUM_REQUESTS, BenchArguments.DEFAULT_PROMPT_TOKENS, PromptOptions.DEFAULT_VOCAB_SIZE,
            BenchArguments.DEFAULT_MAX_TOKENS);

    private HelpText() {}
}
