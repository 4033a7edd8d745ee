package ai.lmi.engines.embedding;

/**
 * Switches DJL to offline mode before the engine first touches it, so that loading a model never reaches the network.
 *
 * <p>DJL 0.36 otherwise calls home on EC2/SageMaker ({@code Ec2Utils.callHome}) and, when its native-library
 * loaders find no library that matches the machine (a CUDA "flavor" of libtokenizers the jar lacks, for one),
 * downloads one from publish.djl.ai. Offline, those loaders take the CPU libraries bundled in the jars on the class
 * path ({@code tokenizers}, {@code pytorch-native-cpu}, {@code pytorch-jni}), or fail instead of downloading.
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
