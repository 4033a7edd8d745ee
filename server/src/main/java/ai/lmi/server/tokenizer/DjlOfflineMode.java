package ai.lmi.server.tokenizer;

/**
 * Switches DJL to offline mode before its tokenizer library first loads, so that loading a
 * tokenizer never touches the network.
 *
 * <p>Without it DJL 0.36 does two network things on its own: {@code HuggingFaceTokenizer.newInstance}
 * calls {@code Ec2Utils.callHome} (instance metadata and a telemetry request on EC2/SageMaker), and on
 * a machine with a CUDA GPU the native library loader picks a CUDA "flavor" of libtokenizers that
 * the jar does not contain and downloads it from publish.djl.ai. Offline mode skips the telemetry
 * and makes the loader take the CPU library bundled in the jar.
 */
final class DjlOfflineMode {

    // Read by ai.djl.util.Utils.isOfflineMode(); the DJL_OFFLINE environment variable, when set, wins.
    private static final String PROPERTY = "ai.djl.offline";

    private DjlOfflineMode() {}

    /** Sets {@code ai.djl.offline=true} unless the process already chose a value. */
    static void enable() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "true");
        }
    }
}
