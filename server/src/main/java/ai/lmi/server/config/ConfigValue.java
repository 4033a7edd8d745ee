package ai.lmi.server.config;

import java.util.List;

/**
 * A constant of an enum-valued setting. The configuration spells it as its name in lower case with '-' for '_'
 * ({@code LMI_DIST} is {@code lmi-dist}), so that an enum lists only its constants.
 */
public interface ConfigValue {

    /** The enum constant's name, e.g. {@code LMI_DIST}. */
    String name();

    /** The canonical spelling, e.g. {@code lmi-dist}. */
    default String configName() {
        return ConfigValues.spelling(name());
    }

    /** Every spelling the configuration accepts, lower case, the canonical one first. */
    default List<String> spellings() {
        return List.of(configName());
    }
}
