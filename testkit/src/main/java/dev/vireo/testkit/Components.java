package dev.vireo.testkit;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * What Declarative Services hands a component, made by hand, so unit tests construct components directly: its
 * configuration (the annotation type with its defaults, some overridden) and a bundle context (framework properties,
 * or one that records the services registered through it).
 */
public final class Components {
    private Components() {
    }

    /** A configuration annotation whose attributes are their defaults, except those given (by method name). */
    public static <A extends Annotation> A config(Class<A> type, Map<String, ?> values) {
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
    public static BundleContext properties(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(Components.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> properties.get((String) args[0]);
                    case "toString" -> "test bundle context";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A service a component registered through {@link Context}. */
    public record Registration(Object service, Map<String, Object> properties, AtomicBoolean unregistered) {
    }

    /** A bundle context that records the services registered through it and answers nothing else. */
    public static final class Context {
        public final List<Registration> registrations = new CopyOnWriteArrayList<>();

        public BundleContext bundleContext() {
            return (BundleContext) Proxy.newProxyInstance(Components.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "registerService" -> register(args[1], (Dictionary<?, ?>) args[2]);
                        case "getProperty" -> null;
                        case "toString" -> "test bundle context";
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        private ServiceRegistration<?> register(Object service, Dictionary<?, ?> properties) {
            Map<String, Object> props = new java.util.HashMap<>();
            for (Object key : Collections.list(properties.keys())) {
                props.put((String) key, properties.get(key));
            }
            Registration r = new Registration(service, Map.copyOf(props), new AtomicBoolean());
            registrations.add(r);
            return (ServiceRegistration<?>) Proxy.newProxyInstance(Components.class.getClassLoader(),
                    new Class<?>[] {ServiceRegistration.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "unregister" -> {
                            if (r.unregistered().getAndSet(true)) {
                                throw new IllegalStateException("already unregistered");
                            }
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }
    }
}
