package ai.lmi.server.worker;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The worker's own Python codec (lmi_worker.ipc.step_codec), run once: it decodes the STEP messages Java
 * encoded and encodes STEP_OUTPUT and STEP_ERROR messages for Java to decode, reporting every field as JSON.
 */
final class PythonCodecPeer {

    private static final String SCRIPT = """
            import dataclasses, json, sys
            import numpy as np
            from lmi_worker.engine.step import PromptLogprobs, StepOutput
            from lmi_worker.ipc.step_codec import decode_step, encode_error, encode_output

            def ints(a): return [int(x) for x in np.asarray(a).reshape(-1)]
            def floats(a): return [float(x) for x in np.asarray(a, np.float32).reshape(-1)]

            steps = []
            for text in json.load(sys.stdin):
                b = decode_step(bytearray.fromhex(text))
                steps.append({"step_id": b.step_id, "seq_ids": ints(b.seq_ids), "start_pos": ints(b.start_pos),
                    "token_offsets": ints(b.token_offsets), "tokens": ints(b.tokens),
                    "block_offsets": ints(b.block_offsets), "block_tables": ints(b.block_tables),
                    "sample": [bool(x) for x in b.sample], "finished": ints(b.finished),
                    "mask_index": ints(b.mask_index), "masks": ints(b.masks), "lookahead": ints(b.lookahead),
                    "new_sequences": [{"seq_id": s.seq_id, "prompt_len": s.prompt_len, "prefix_ids": ints(s.prefix_ids),
                                       "params": dataclasses.asdict(s.params)} for s in b.new_sequences]})

            rng = np.random.default_rng(7)
            def output(step_id, n, top_n, prompts):
                ids = rng.integers(-1, 32000, (n, top_n)).astype(np.int32)
                prompt = []
                for seq_id, start, count, p_top_n in prompts:
                    logprobs = -rng.random(count, np.float32)
                    if start == 0 and count:
                        logprobs[0] = np.nan
                    prompt.append(PromptLogprobs(seq_id, start, logprobs,
                                                 rng.integers(0, 32000, (count, p_top_n)).astype(np.int32),
                                                 -rng.random((count, p_top_n), np.float32)))
                return StepOutput(step_id=step_id, seq_ids=rng.integers(0, 1 << 62, n), token_ids=ids[:, 0] if top_n
                                  else np.zeros(n, np.int32), logprobs=-rng.random(n, np.float32), top_ids=ids,
                                  top_logprobs=-rng.random((n, top_n), np.float32), prompt_logprobs=prompt,
                                  forward_ms=12.25, sample_ms=0.5)

            outputs = []
            for o in [output(1, 0, 0, []), output(2, 3, 5, []), output(3, 2, 4, [(11, 0, 6, 3), (12, 17, 1, 0)]),
                      output(1 << 40, 256, 20, [(5, 0, 500, 20), (6, 3, 0, 0)])]:
                outputs.append({"hex": encode_output(o).hex(), "step_id": o.step_id, "seq_ids": ints(o.seq_ids),
                    "token_ids": ints(o.token_ids), "logprobs": floats(o.logprobs), "top_n": o.top_ids.shape[1],
                    "top_ids": ints(o.top_ids), "top_logprobs": floats(o.top_logprobs), "forward_ms": o.forward_ms,
                    "sample_ms": o.sample_ms, "prompt": [{"seq_id": p.seq_id, "start_pos": p.start_pos,
                    "top_n": p.top_ids.shape[1], "logprobs": floats(p.logprobs), "top_ids": ints(p.top_ids),
                    "top_logprobs": floats(p.top_logprobs)} for p in o.prompt_logprobs]})
            errors = [{"hex": encode_error(step_id, code, text).hex(), "step_id": step_id, "code": code,
                       "message": text} for step_id, code, text in [(9, 3, "block table has 1 blocks ✗"), (0, 1, "")]]
            json.dump({"steps": steps, "outputs": outputs, "errors": errors}, sys.stdout)
            """;

    private PythonCodecPeer() {
    }

    /** Runs the Python codec over {@code steps}; returns {"steps": [...], "outputs": [...], "errors": [...]}. */
    static JsonNode run(List<ByteBuffer> steps) throws IOException, InterruptedException {
        String python = PythonFinder.find(null, System.getenv());
        ProcessBuilder builder = new ProcessBuilder(python, "-c", SCRIPT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("PYTHONPATH", TestData.pythonWorker().toAbsolutePath().toString());
        Process process = builder.start();
        JsonMapper json = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        try (OutputStream in = process.getOutputStream()) {
            in.write(json.writeValueAsBytes(steps.stream().map(PythonCodecPeer::hex).toList()));
        }
        JsonNode result = json.readTree(process.getInputStream());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("the Python codec failed: exit status " + process.exitValue());
        }
        return result;
    }

    static String hex(ByteBuffer message) {
        byte[] bytes = new byte[message.remaining()];
        message.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static ByteBuffer bytes(JsonNode hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex.asText())).order(ByteOrder.LITTLE_ENDIAN);
    }
}
