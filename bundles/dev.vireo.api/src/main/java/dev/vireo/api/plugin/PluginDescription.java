package dev.vireo.api.plugin;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/** A one-line description of a plugin, shown by {@code vireo:plugins}. Service property {@value #KEY}. */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface PluginDescription {
    String KEY = "vireo.plugin.description";
    String PREFIX_ = "vireo.";

    String value();
}
