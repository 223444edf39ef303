package dev.vireo.api.plugin;

/**
 * A plugin name (or extension point) that does not exist, is not active, or is given twice. The message always lists
 * what exists, so it can be shown to the user as is.
 */
public class UnknownPluginException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnknownPluginException(String message) {
        super(message);
    }
}
