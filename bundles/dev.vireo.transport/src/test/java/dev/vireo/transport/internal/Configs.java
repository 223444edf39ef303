package dev.vireo.transport.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.osgi.framework.BundleContext;

/** What Declarative Services hands a component, made by hand: its configuration and a bundle context. */
final class Configs {
    private Configs() {
    }

    /** A configuration annotation whose attributes are their defaults, except those given (by method name). */
    static <A extends Annotation> A of(Class<A> type, Map<String, ?> values) {
        for (String key : values.keySet()) {
            try {
                type.getMethod(key);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getName() + " has no attribute " + key, e);
            }
        }
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "annotationType" -> type;
                    case "toString" -> type.getSimpleName() + values;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> values.containsKey(method.getName()) ? coerce(method, values.get(method.getName()))
                            : method.getDefaultValue();
                }));
    }

    private static Object coerce(Method method, Object value) {
        if (method.getReturnType() == long.class && value instanceof Number n) {
            return n.longValue();
        }
        if (method.getReturnType() == int.class && value instanceof Number n) {
            return n.intValue();
        }
        return value;
    }

    /** A bundle context that answers framework properties and nothing else. */
    static BundleContext context(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(Configs.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> properties.get((String) args[0]);
                    case "toString" -> "test bundle context";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
