package ai.lmi.engines.embedding;

/**
 * Switches DJL to offline mode before a model or tokenizer first touches it, so that loading one never reaches the
 * network. The server's generation tokenizer calls it too.
 *
 * <p>DJL 0.36 otherwise does two network things on its own: {@code HuggingFaceTokenizer.newInstance} calls
 * {@code Ec2Utils.callHome} (instance metadata and a telemetry request on EC2/SageMaker), and when its native-library
 * loaders find no library that matches the machine (a CUDA "flavor" of libtokenizers the jar lacks, for one), they
 * download one from publish.djl.ai. Offline, DJL skips the telemetry and those loaders take the CPU libraries bundled
 * in the jars on the class path ({@code tokenizers}, {@code pytorch-native-cpu}, {@code pytorch-jni}), or fail
 * instead of downloading.
 */
public final class DjlOfflineMode {

    // Read by ai.djl.util.Utils.isOfflineMode(); the DJL_OFFLINE environment variable, when set, wins.
    private static final String PROPERTY = "ai.djl.offline";

    private DjlOfflineMode() {}

    /** Sets {@code ai.djl.offline=true} unless the process already chose a value. */
    public static void enable() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "true");
        }
    }
}
