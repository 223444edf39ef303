package dev.vireo.sim;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A component property type (the {@code @interface} a DS component takes as configuration) backed by a map, with the
 * DS rules: method {@code queue_capacity} reads key {@code queue.capacity} ({@code __} is {@code _}, {@code $_$} is
 * {@code -}), values are converted to the method's return type, and a missing key gives the method's default.
 */
final class ConfigProxy {
    private ConfigProxy() {
    }

    static String key(String method) {
        return method.replace("$_$", "-").replace("__", "\u0000").replace('_', '.').replace('\u0000', '_')
                .replace("$$", "\u0000").replace("$", "").replace('\u0000', '$');
    }

    @SuppressWarnings("unchecked")
    static <A> A of(Class<A> type, Map<String, ?> props) {
        Map<String, Object> values = new TreeMap<>();
        for (Method m : type.getDeclaredMethods()) {
            Object raw = props.get(key(m.getName()));
            Object v = raw == null ? m.getDefaultValue() : convert(m, raw);
            if (v == null) {
                throw new IllegalArgumentException("configuration " + type.getSimpleName() + ": " + key(m.getName())
                        + " is required");
            }
            values.put(m.getName(), v);
        }
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "annotationType" -> type;
                    case "toString" -> type.getSimpleName() + values;
                    case "hashCode" -> values.hashCode();
                    case "equals" -> proxy == args[0];
                    default -> values.get(method.getName());
                });
    }

    private static Object convert(Method m, Object raw) {
        Class<?> t = m.getReturnType();
        if (t.isArray()) {
            List<?> items = raw instanceof List<?> l ? l : List.of(String.valueOf(raw).split("\\s*,\\s*"));
            Object out = Array.newInstance(t.getComponentType(), items.size());
            for (int i = 0; i < items.size(); i++) {
                Array.set(out, i, scalar(m, t.getComponentType(), String.valueOf(items.get(i)).trim()));
            }
            return out;
        }
        return scalar(m, t, String.valueOf(raw).trim());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object scalar(Method m, Class<?> t, String s) {
        try {
            if (t == String.class) {
                return s;
            } else if (t == int.class) {
                return Integer.parseInt(s);
            } else if (t == long.class) {
                return Long.parseLong(s);
            } else if (t == double.class) {
                return Double.parseDouble(s);
            } else if (t == float.class) {
                return Float.parseFloat(s);
            } else if (t == boolean.class) {
                return Boolean.parseBoolean(s.toLowerCase(Locale.ROOT));
            } else if (t.isEnum()) {
                return Enum.valueOf((Class<Enum>) t, s);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key(m.getName()) + " = '" + s + "' is not a " + t.getSimpleName());
        }
        throw new IllegalArgumentException(key(m.getName()) + ": type " + t.getSimpleName() + " is not supported");
    }
}
