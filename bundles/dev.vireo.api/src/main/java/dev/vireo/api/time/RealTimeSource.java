package dev.vireo.api.time;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the few classes that implement {@link Clock} and {@link TaskScheduler} on real time and real threads. The
 * build check that bans wall-clock reads, sleeps and thread creation skips classes carrying this annotation and
 * nothing else. Do not use it on core code.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface RealTimeSource {
    /** Why this class needs real time. */
    String value();
}
