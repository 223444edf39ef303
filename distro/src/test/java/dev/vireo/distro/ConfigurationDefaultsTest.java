package dev.vireo.distro;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.distro.Metatype.Attribute;
import dev.vireo.distro.Metatype.Definition;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * One source for every default: the metatype of the bundles this distro ships (bnd writes it from each component's
 * {@code @ObjectClassDefinition}). The shipped configuration ({@code configs/PID.cfg}) may only name keys the metatype
 * has and may only give them its defaults, and the key tables of {@code docs/configuration.md} are generated from it.
 * A shipped file for a third-party component (FileInstall's deploy watcher) is checked against that bundle's metatype
 * for its keys only: setting other values than the defaults is what the file is for.
 *
 * <p>The metatype is read from the bundles on this module's test class path: the distro depends on every bundle it
 * ships, so in the reactor Maven builds them first and puts this build's output (their jars, or their class folders
 * before packaging) there. A metatype that comes from anywhere else (the local repository, when the distro is built
 * without {@code -am}) fails the test rather than checking this checkout against someone else's build.
 */
class ConfigurationDefaultsTest {
    /** A per-instance value: the framework property {@code name} (set by ./vireo per instance), else the default. */
    static final Pattern PER_INSTANCE = Pattern.compile("\\$\\{([A-Za-z0-9._-]+)(:-([^}]*))?}");

    /**
     * Shipped values that deliberately differ from the metatype default, as "pid/key" with the reason. Empty: where
     * the shipped value was right, the default was changed to it.
     */
    static final Map<String, String> DELIBERATE = Map.of();

    /** Unit suffixes of key names and the words a description uses for them. */
    static final Map<String, Pattern> UNITS = units();

    private static Map<String, Pattern> units() {
        Map<String, Pattern> m = new LinkedHashMap<>();
        m.put(".ms", Pattern.compile("\\bmilliseconds?\\b"));
        m.put(".us", Pattern.compile("\\bmicroseconds?\\b"));
        m.put(".s", Pattern.compile("(?<!milli|micro)\\bseconds?\\b"));
        m.put(".bytes", Pattern.compile("\\bbytes?\\b"));
        m.put(".mb", Pattern.compile("\\bMB\\b"));
        m.put(".percent", Pattern.compile("\\bpercent(age)?\\b|%"));
        return m;
    }

    static Path home;
    /** Every metatype on the class path: Vireo's bundles' and the third-party bundles' the distro ships. */
    static Map<String, Definition> all;
    /** The metatype of Vireo's bundles: the defaults, descriptions and documentation checked here. */
    static Map<String, Definition> metatype;
    static Map<String, Map<String, String>> shipped;

    @BeforeAll
    static void read() throws IOException {
        home = Path.of(System.getProperty("vireo.home", "..")).toRealPath();
        all = Metatype.onClassPath(ConfigurationDefaultsTest.class.getClassLoader());
        metatype = new TreeMap<>();
        all.values().stream().filter(Definition::vireo).forEach(d -> metatype.put(d.pid(), d));
        shipped = new TreeMap<>();
        try (Stream<Path> files = Files.list(home.resolve("configs"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".cfg")).sorted().toList()) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(f)) {
                    p.load(r);
                }
                Map<String, String> values = new TreeMap<>();
                p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).trim()));
                String name = f.getFileName().toString();
                shipped.put(name.substring(0, name.length() - ".cfg".length()), values);
            }
        }
    }

    /**
     * The metatype a shipped file is checked against: its pid's, or for a factory configuration {@code NAME-x.cfg}
     * that of NAME (FileInstall's own metatype designates its factory pid as a plain pid, so either is taken).
     */
    static Definition definitionOf(String file) {
        Definition d = all.get(file);
        if (d == null && file.contains("-")) {
            d = all.get(file.substring(0, file.indexOf('-')));
        }
        return d;
    }

    /** Vireo's definition for a shipped file; null for a third-party component's file (its keys are checked only). */
    static Definition vireoDefinitionOf(String file) {
        Definition d = definitionOf(file);
        return d != null && d.vireo() ? d : null;
    }

    /** Vireo's definitions read from outside this checkout (say, ~/.m2), as "pid from source". */
    static List<String> foreign() {
        return metatype.values().stream().filter(d -> !d.source().startsWith(home.toString()))
                .map(d -> d.pid() + " from " + d.source()).toList();
    }

    /** The other checks mean nothing against another build's metatype: they are skipped, and this one fails. */
    @BeforeEach
    void onlyThisCheckoutsBuild(TestInfo test) {
        if (!test.getTestMethod().orElseThrow().getName().equals("theMetatypeIsThisCheckoutsBuild")) {
            assumeTrue(foreign().isEmpty(), "metatype not built from this checkout");
        }
    }

    @Test
    void theMetatypeIsThisCheckoutsBuild() {
        assertFalse(metatype.isEmpty(), "no OSGI-INF/metatype on the class path: are the bundles dependencies?");
        assertTrue(foreign().isEmpty(), "metatype not built from " + home + " (build with -am so the reactor builds"
                + " the bundles): " + foreign());
    }

    @Test
    void everyShippedFileConfiguresAComponentWithAMetatype() {
        List<String> problems = new ArrayList<>();
        for (String file : shipped.keySet()) {
            if (definitionOf(file) == null) {
                problems.add("configs/" + file + ".cfg: no bundle of the distro designates a metatype for pid " + file
                        + " (a misspelt file name, or a bundle missing from distro/pom.xml)");
            }
        }
        assertNoProblems(problems);
    }

    /** Every pid has its file, so the shipped configuration shows every setting there is. */
    @Test
    void everyComponentHasAShippedFileWithEveryKey() {
        List<String> problems = new ArrayList<>();
        for (Definition d : metatype.values()) {
            Map<String, String> values = shipped.get(d.pid());
            if (d.factory()) {
                continue;
            }
            if (values == null) {
                problems.add("configs/" + d.pid() + ".cfg is missing (pid " + d.pid() + ", " + d.source() + ")");
                continue;
            }
            for (Attribute a : d.attributes()) {
                if (!values.containsKey(a.key())) {
                    problems.add("configs/" + d.pid() + ".cfg: key " + a.key() + " is missing (default "
                            + a.defaultValue() + ")");
                }
            }
        }
        assertNoProblems(problems);
    }

    @Test
    void everyShippedKeyIsInTheMetatype() {
        List<String> problems = new ArrayList<>();
        shipped.forEach((file, values) -> {
            Definition d = definitionOf(file);
            if (d == null) {
                return;
            }
            for (String key : values.keySet()) {
                if (d.attribute(key) == null) {
                    problems.add("configs/" + file + ".cfg: key " + key + " is not in the metatype of " + d.pid()
                            + " (a typo or a renamed key?); its keys: "
                            + d.attributes().stream().map(Attribute::key).toList());
                }
            }
        });
        assertNoProblems(problems);
    }

    @Test
    void everyShippedValueIsTheMetatypeDefault() {
        List<String> problems = new ArrayList<>();
        Set<String> deviating = new TreeSet<>();
        shipped.forEach((file, values) -> {
            Definition d = vireoDefinitionOf(file);
            if (d == null) {
                return;
            }
            values.forEach((key, raw) -> {
                Attribute a = d.attribute(key);
                if (a == null) {
                    return;
                }
                String where = "configs/" + file + ".cfg: " + key + " = " + raw;
                String value = raw;
                Matcher m = PER_INSTANCE.matcher(raw);
                if (m.matches()) {
                    if (m.group(2) == null) {
                        problems.add(where + ": a per-instance value needs its default, ${" + m.group(1) + ":-"
                                + a.defaultValue() + "}");
                        return;
                    }
                    value = m.group(3).trim();
                } else if (raw.contains("${")) {
                    problems.add(where + ": only a whole value may be per instance, written ${vireo.x:-default}");
                    return;
                }
                if (!sameValue(a, value, a.defaultValue())) {
                    String id = file + "/" + key;
                    if (DELIBERATE.containsKey(id)) {
                        deviating.add(id);
                    } else {
                        problems.add(where + ": the metatype default is '" + a.defaultValue() + "' (" + d.source()
                                + "); change one of them, or list " + id + " in DELIBERATE with the reason");
                    }
                }
            });
        });
        for (String id : DELIBERATE.keySet()) {
            if (!deviating.contains(id)) {
                problems.add("DELIBERATE lists " + id + ", whose shipped value is (now) the metatype default or absent");
            }
        }
        assertNoProblems(problems);
    }

    /** The same value as the attribute's type reads it: {@code 2} and {@code 2.0} are one double. */
    static boolean sameValue(Attribute a, String shippedValue, String defaultValue) {
        if (a.cardinality() != 0) {
            List<String> x = Arrays.stream(shippedValue.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            List<String> y = Arrays.stream(defaultValue.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameScalar(a.type(), x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return sameScalar(a.type(), shippedValue.trim(), defaultValue.trim());
    }

    private static boolean sameScalar(String type, String x, String y) {
        try {
            return switch (type) {
                case "Integer", "Long", "Short", "Byte", "Double", "Float" ->
                        new BigDecimal(x).compareTo(new BigDecimal(y)) == 0;
                case "Boolean" -> x.equalsIgnoreCase(y);
                default -> x.equals(y);
            };
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Test
    void everyAttributeIsDescribedAndNamesItsUnit() {
        List<String> problems = new ArrayList<>();
        for (Definition d : metatype.values()) {
            if (d.name().isBlank() || d.description().isBlank()) {
                problems.add(d.pid() + ": the @ObjectClassDefinition needs a name and a description");
            }
            for (Attribute a : d.attributes()) {
                String id = d.pid() + "/" + a.key();
                if (a.name().isBlank() || a.description().isBlank()) {
                    problems.add(id + ": the @AttributeDefinition needs a name and a description");
                    continue;
                }
                for (Map.Entry<String, Pattern> unit : UNITS.entrySet()) {
                    boolean suffix = a.key().toLowerCase(Locale.ROOT).endsWith(unit.getKey());
                    boolean said = unit.getValue().matcher(a.description()).find();
                    if (suffix && !said) {
                        problems.add(id + ": the description should say the unit of " + unit.getKey());
                    }
                    if (!suffix && said && isNumber(a.type())) {
                        problems.add(id + ": a number in " + unit.getKey().substring(1) + " (says its description)"
                                + " needs the unit in its key: ..." + unit.getKey());
                    }
                }
            }
        }
        assertNoProblems(problems);
    }

    private static boolean isNumber(String type) {
        return Set.of("Integer", "Long", "Short", "Byte", "Double", "Float").contains(type);
    }

    /**
     * docs/configuration.md has one generated table per pid, equal to what the metatype makes of it. On a difference
     * the regenerated document is written to distro/target/configuration.md, ready to be copied over.
     */
    @Test
    void theDocumentedKeysAndDefaultsAreTheMetatype() throws IOException {
        Path doc = home.resolve("docs/configuration.md");
        String text = Files.readString(doc);
        Set<String> documented = new TreeSet<>();
        String expected = ConfigurationDoc.regenerate(text, metatype, shipped, documented);
        Set<String> missing = ConfigurationDoc.missing(metatype, documented);
        assertTrue(missing.isEmpty(), "docs/configuration.md has no table for " + missing + ": add a line "
                + "<!-- metatype PID --> and a line " + ConfigurationDoc.END + " where it belongs, then regenerate");
        if (!expected.equals(text)) {
            Path target = home.resolve("distro/target/configuration.md");
            Files.createDirectories(target.getParent());
            Files.writeString(target, expected);
            List<String> a = text.lines().toList();
            List<String> b = expected.lines().toList();
            int i = 0;
            while (i < Math.min(a.size(), b.size()) && a.get(i).equals(b.get(i))) {
                i++;
            }
            fail("docs/configuration.md differs from the metatype from line " + (i + 1) + ":\n  doc:      "
                    + (i < a.size() ? a.get(i) : "(end)") + "\n  metatype: " + (i < b.size() ? b.get(i) : "(end)")
                    + "\nThe tables are generated: edit the @ObjectClassDefinition, not the table, then"
                    + " cp distro/target/configuration.md docs/configuration.md");
        }
    }

    private static void assertNoProblems(List<String> problems) {
        assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
    }
}
