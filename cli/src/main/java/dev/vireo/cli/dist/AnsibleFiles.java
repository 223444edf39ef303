package dev.vireo.cli.dist;

import com.google.gson.Gson;
import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import dev.vireo.cli.instance.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The Ansible side of a distribution, written beside the tarballs: the checkout's {@code ansible/} (playbooks, the
 * {@code vireo} role, the Python wrapper) and the role's {@code vars/config_keys.yml}, generated here from the metatype
 * of the bundles being packaged ({@code OSGI-INF/metatype/*.xml}, which bnd writes from each component's
 * {@code @ObjectClassDefinition}): every configuration pid and key with its type, default, range and description.
 * The role checks an inventory's {@code vireo_config} against it, so a key misspelt or of the wrong type fails the
 * play with its name, and the list can never drift from the code: it is read from the very jars installed.
 */
public final class AnsibleFiles {
    /** The generated file, inside the written folder. */
    public static final String KEYS = "roles/vireo/vars/config_keys.yml";

    private AnsibleFiles() {
    }

    /** One attribute of a pid. */
    record Key(String type, String defaultValue, String min, String max, String description) {
    }

    static void write(Home home, Path out, List<String> profiles, String version) throws IOException {
        Path source = home.dir().resolve("ansible");
        if (!Files.isDirectory(source)) {
            throw new CliException(CliException.FAILED, source + " is missing");
        }
        Trees.delete(out);
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : all.sorted().toList()) {
                String rel = source.relativize(p).toString();
                if (("/" + rel).contains("/__pycache__")) {
                    continue;
                }
                Path to = out.resolve(rel);
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Map<String, Map<String, Key>> keys = new TreeMap<>();
        for (String profile : profiles) {
            keys.putAll(keys(home.export(profile)));
        }
        Path file = out.resolve(KEYS);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml(keys, version, profiles));
    }

    /** Every designated pid of the bundles in {@code bundles}, with its attributes in declaration order. */
    static Map<String, Map<String, Key>> keys(Path bundles) throws IOException {
        Map<String, Map<String, Key>> out = new TreeMap<>();
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(bundles, "*.jar")) {
            for (Path jar : jars) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    for (ZipEntry e : zip.stream().filter(e -> e.getName().startsWith("OSGI-INF/metatype/")
                            && e.getName().endsWith(".xml")).toList()) {
                        try (InputStream in = zip.getInputStream(e)) {
                            out.putAll(parse(in.readAllBytes(), jar.getFileName() + "!/" + e.getName()));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Map<String, Map<String, Key>> parse(byte[] xml, String source) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = f.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new IOException("cannot read the metatype " + source + ": " + e.getMessage(), e);
        }
        Map<String, Map<String, Key>> ocds = new LinkedHashMap<>();
        NodeList ocdNodes = doc.getElementsByTagName("OCD");
        for (int i = 0; i < ocdNodes.getLength(); i++) {
            Element ocd = (Element) ocdNodes.item(i);
            Map<String, Key> attrs = new LinkedHashMap<>();
            NodeList ads = ocd.getElementsByTagName("AD");
            for (int j = 0; j < ads.getLength(); j++) {
                Element ad = (Element) ads.item(j);
                attrs.put(ad.getAttribute("id"), new Key(ad.getAttribute("type"), ad.getAttribute("default"),
                        ad.getAttribute("min"), ad.getAttribute("max"), ad.getAttribute("description")));
            }
            ocds.put(ocd.getAttribute("id"), attrs);
        }
        Map<String, Map<String, Key>> out = new LinkedHashMap<>();
        NodeList designates = doc.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element d = (Element) designates.item(i);
            String pid = d.getAttribute("pid");
            if (pid.isEmpty()) {
                continue; // a factory (one file per instance, PID-NAME.cfg): not one file the role can write
            }
            NodeList objects = d.getElementsByTagName("Object");
            if (objects.getLength() == 1) {
                Map<String, Key> attrs = ocds.get(((Element) objects.item(0)).getAttribute("ocdref"));
                if (attrs != null) {
                    out.put(pid, attrs);
                }
            }
        }
        return out;
    }

    /** YAML whose scalars are JSON strings (JSON is YAML), so no description can break it. */
    static String yaml(Map<String, Map<String, Key>> keys, String version, List<String> profiles) {
        Gson gson = new com.google.gson.GsonBuilder().disableHtmlEscaping().create();
        StringBuilder b = new StringBuilder();
        b.append("# Generated by ./vireo dist (vireo ").append(version).append(", profiles ")
                .append(String.join(", ", profiles)).append(") from the metatype of the bundles it packaged: every\n")
                .append("# configuration pid and key, with its type, default, range and description. Do not edit: set\n")
                .append("# vireo_config in the inventory; the role checks it against this. docs/configuration.md explains each.\n")
                .append("vireo_config_keys:\n");
        List<String> pids = new ArrayList<>(keys.keySet());
        for (String pid : pids) {
            b.append("  ").append(gson.toJson(pid)).append(":\n");
            for (Map.Entry<String, Key> e : keys.get(pid).entrySet()) {
                Key k = e.getValue();
                b.append("    ").append(gson.toJson(e.getKey())).append(": {type: ").append(gson.toJson(k.type()))
                        .append(", default: ").append(gson.toJson(k.defaultValue()));
                if (!k.min().isEmpty()) {
                    b.append(", min: ").append(gson.toJson(k.min()));
                }
                if (!k.max().isEmpty()) {
                    b.append(", max: ").append(gson.toJson(k.max()));
                }
                b.append(", description: ").append(gson.toJson(k.description())).append("}\n");
            }
        }
        return b.toString();
    }
}
