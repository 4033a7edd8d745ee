package ai.lmi.server.adapter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@link AdapterService#DISABLED}: lists none, and every change is refused naming the key that enables LoRA. */
final class DisabledAdapterService implements AdapterService {

    @Override
    public boolean enabled() {
        return false;
    }

    @Override
    public List<Adapter> list() {
        return List.of();
    }

    @Override
    public Optional<Adapter> find(String name) {
        return Optional.empty();
    }

    @Override
    public Adapter load(String name, Path source) {
        throw AdapterException.loraOff();
    }

    @Override
    public Adapter update(String name, Path source) {
        throw AdapterException.loraOff();
    }

    @Override
    public Adapter unload(String name) {
        throw AdapterException.loraOff();
    }
}
