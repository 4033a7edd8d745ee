package ai.lmi.server.config;

import java.util.List;

/** A constant of an enum-valued setting, as the configuration spells it. */
interface ConfigValue {

    /** The canonical spelling, e.g. {@code bfloat16}. */
    String configName();

    /** Every spelling the configuration accepts, lower case, the canonical one first. */
    default List<String> spellings() {
        return List.of(configName());
    }
}
