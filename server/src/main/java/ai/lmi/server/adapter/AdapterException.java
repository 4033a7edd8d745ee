package ai.lmi.server.adapter;

/**
 * An adapter cannot be loaded, updated or unloaded as asked; the message names the adapter and the cause (a bad
 * directory names the file, the field and what is allowed). The HTTP layer answers it 400.
 */
public class AdapterException extends RuntimeException {

    public AdapterException(String message) {
        super(message);
    }

    public AdapterException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What every adapter operation answers on a model started without LoRA. */
    public static AdapterException loraOff() {
        return new AdapterException("LoRA adapters are off: start the server with option.enable_lora=true");
    }
}
