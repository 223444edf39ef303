package dev.vireo.api.plugin;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Names a plugin: put it on the DS component that provides an extension point's service. It becomes the service
 * property {@value #KEY}. Names are 1-32 lower-case letters, digits or '-', unique within an extension point.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface PluginName {
    /** The service property that carries a plugin's name. */
    String KEY = "vireo.plugin.name";
    String PREFIX_ = "vireo.";

    String value();
}
