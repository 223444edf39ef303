package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ValidationException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Key {@code function.groups}: which groups a function's invocations may get. Entries are separated by {@code ;},
 * each {@code PATTERN=G[,G...]}: a function id ({@code hog-1}) or an id prefix ending in {@code *} ({@code hog-*}),
 * and group indices. The first entry whose pattern matches the function decides; a function no entry matches may
 * get any group. This is how latency-sensitive functions are kept apart from CPU hogs: the tracker otherwise hands
 * out the least loaded group, so a hog and a sensitive invocation land in the same group as soon as the groups fill.
 * Empty = every function may get every group. Immutable.
 */
final class FunctionGroups {
    static final String KEY = "function.groups";
    static final FunctionGroups ANY = new FunctionGroups(List.of());

    private record Entry(String pattern, BitSet groups) {
        boolean matches(String functionId) {
            return pattern.endsWith("*") ? functionId.startsWith(pattern.substring(0, pattern.length() - 1))
                    : functionId.equals(pattern);
        }
    }

    private final List<Entry> entries;

    private FunctionGroups(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses the key's value for {@code groups} configured groups.
     *
     * @throws ValidationException naming {@link #KEY}: a malformed entry, a pattern given twice, a group index out
     *                             of range
     */
    static FunctionGroups parse(String text, int groups) {
        if (text == null || text.isBlank()) {
            return ANY;
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            String pattern = eq < 0 ? "" : part.substring(0, eq).trim();
            if (eq < 0 || pattern.isEmpty() || pattern.indexOf('*') >= 0 && pattern.indexOf('*') != pattern.length() - 1) {
                throw new ValidationException(KEY, "'" + part.trim() + "' is not PATTERN=GROUP[,GROUP...] (PATTERN: a"
                        + " function id, or a prefix ending in '*'; entries separated by ';', e.g. hog-*=0; web-1=1)");
            }
            BitSet set = new BitSet();
            for (String g : part.substring(eq + 1).split(",")) {
                int index;
                try {
                    index = Integer.parseInt(g.trim());
                } catch (NumberFormatException e) {
                    throw new ValidationException(KEY, pattern + ": '" + g.trim() + "' is not a group index");
                }
                if (index < 0 || index >= groups) {
                    throw new ValidationException(KEY, pattern + ": group " + index + " does not exist (groups 0-"
                            + (groups - 1) + ")");
                }
                set.set(index);
            }
            if (entries.put(pattern, new Entry(pattern, set)) != null) {
                throw new ValidationException(KEY, "pattern '" + pattern + "' is given twice");
            }
        }
        return new FunctionGroups(new ArrayList<>(entries.values()));
    }

    /** Whether invocations of {@code functionId} may get group {@code index}. */
    boolean allows(String functionId, int index) {
        for (Entry e : entries) {
            if (e.matches(functionId)) {
                return e.groups().get(index);
            }
        }
        return true;
    }

    /** The entries in the key's own form ({@code hog-*=0; web-1=1}), empty for none. */
    @Override
    public String toString() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.pattern() + "=" + e.groups().stream().mapToObj(Integer::toString)
                    .reduce((a, b) -> a + "," + b).orElse(""));
        }
        return String.join("; ", out);
    }
}
