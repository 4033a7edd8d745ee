package ai.lmi.engines.embedding;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Runs a batch as one forward pass of a DJL model, the rows right-padded to the longest.
 *
 * <p>ONNX graphs get their declared inputs by name ({@code input_ids}, {@code attention_mask}, and
 * {@code token_type_ids}, all zero, when declared). TorchScript modules get {@code forward(input_ids,
 * attention_mask)}. Either returns {@code [batch, tokens, hidden]} first.
 */
final class DjlEncoder implements Encoder {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
    private static final String ORT_DISABLE_ALTERNATIVE = "ai.djl.onnx.disable_alternative";

    private final ZooModel<NDList, NDList> model;
    /** The ONNX graph's input names in its order; empty for TorchScript, whose inputs are positional. */
    private final List<String> inputNames;
    private final Pooler pooler;

    private DjlEncoder(ZooModel<NDList, NDList> model, List<String> inputNames, Pooler pooler) {
        this.model = model;
        this.inputNames = inputNames;
        this.pooler = pooler;
    }

    /**
     * Loads the file with the engine its type calls for.
     *
     * @param intraOpThreads ONNX Runtime's threads per forward pass; 0 keeps its default (one per core)
     */
    static DjlEncoder load(Path modelFile, Pooler pooler, int intraOpThreads) throws IOException {
        boolean onnx = EmbeddingModelFiles.isOnnx(modelFile);
        if (onnx && System.getProperty(ORT_DISABLE_ALTERNATIVE) == null) {
            // Else DJL's OnnxRuntime engine loads PyTorch (libtorch, 450 MB) beside it for the NDArray operations
            // ONNX Runtime lacks; this class uses none of them.
            System.setProperty(ORT_DISABLE_ALTERNATIVE, "true");
        }
        String fileName = modelFile.getFileName().toString();
        Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine(engineName(modelFile))
                .optModelPath(modelFile.getParent())
                .optModelName(fileName.substring(0, fileName.lastIndexOf('.')))
                .optTranslator(new NoopTranslator());
        if (onnx && intraOpThreads > 0) {
            criteria.optOption("intraOpNumThreads", Integer.toString(intraOpThreads));
        }
        ZooModel<NDList, NDList> model;
        try {
            model = criteria.build().loadModel();
        } catch (ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new IOException("cannot load " + modelFile + ": " + e.getMessage(), e);
        }
        List<String> inputNames = onnx ? model.describeInput().keys() : List.of();
        for (String name : inputNames) {
            if (!KNOWN_INPUTS.contains(name)) {
                model.close();
                throw new IOException(modelFile + " declares input '" + name + "'; the embedding engine feeds only "
                        + INPUT_IDS + ", " + ATTENTION_MASK + " and " + TOKEN_TYPE_IDS);
            }
        }
        return new DjlEncoder(model, inputNames, pooler);
    }

    /** DJL's name for the engine that runs this file. */
    static String engineName(Path modelFile) {
        return EmbeddingModelFiles.isOnnx(modelFile) ? "OnnxRuntime" : "PyTorch";
    }

    @Override
    public float[][] encode(List<long[]> rows) {
        int longest = longest(rows);
        int[] lengths = new int[rows.size()];
        long[] ids = new long[rows.size() * longest];
        long[] mask = new long[ids.length];
        for (int r = 0; r < rows.size(); r++) {
            long[] row = rows.get(r);
            lengths[r] = row.length;
            System.arraycopy(row, 0, ids, r * longest, row.length);
            Arrays.fill(mask, r * longest, r * longest + row.length, 1L);
        }
        Shape shape = new Shape(rows.size(), longest);
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList inputs = inputs(manager, manager.create(ids, shape), manager.create(mask, shape));
            NDArray hidden = model.getBlock().forward(new ParameterStore(manager, false), inputs, false).head();
            long[] dims = hidden.getShape().getShape();
            if (dims.length != 3 || dims[0] != rows.size() || dims[1] != longest) {
                throw new IllegalStateException("the model returned shape " + hidden.getShape() + " for input "
                        + shape + "; an embedding model must return [batch, tokens, hidden] first");
            }
            return pooler.pool(hidden.toFloatArray(), longest, Math.toIntExact(dims[2]), lengths);
        }
    }

    private NDList inputs(NDManager manager, NDArray ids, NDArray mask) {
        if (inputNames.isEmpty()) {
            return new NDList(ids, mask);
        }
        NDList inputs = new NDList(inputNames.size());
        for (String name : inputNames) {
            NDArray input = switch (name) {
                case INPUT_IDS -> ids;
                case ATTENTION_MASK -> mask;
                // Created from a Java array: ONNX Runtime's NDManager has no zeros() of its own.
                default -> manager.create(new long[Math.toIntExact(ids.size())], ids.getShape());
            };
            input.setName(name);
            inputs.add(input);
        }
        return inputs;
    }

    @Override
    public int computedTokens(List<long[]> rows) {
        return rows.size() * longest(rows);
    }

    private static int longest(List<long[]> rows) {
        int longest = 0;
        for (long[] row : rows) {
            longest = Math.max(longest, row.length);
        }
        return longest;
    }

    @Override
    public void close() {
        model.close();
    }
}
