package dev.vireo.distro;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The metatype (OSGI-INF/metatype/*.xml, written by bnd from each component's {@code @ObjectClassDefinition}) of every
 * bundle on a class path: the one source of every configuration key, its default and its description.
 */
final class Metatype {
    private Metatype() {
    }

    /** One attribute ({@code <AD>}); {@code defaultValue} unescaped, "" when the XML has none. */
    record Attribute(String key, String type, String name, String description, String defaultValue, String min,
            String max, int cardinality) {
    }

    /**
     * The definition designated to one pid (or factory pid), with the place it was read from and whether a Vireo
     * bundle ({@code Bundle-Vendor: Vireo}, cnf/build.bnd) has it.
     */
    record Definition(String pid, boolean factory, String name, String description, List<Attribute> attributes,
            String source, boolean vireo) {
        Attribute attribute(String key) {
            return attributes.stream().filter(a -> a.key().equals(key)).findFirst().orElse(null);
        }
    }

    static final String VENDOR = "Vireo";

    /**
     * Every designated definition in the jars and class folders on the class path of {@code loader}, by pid. Roots
     * are found through their manifests (every bundle has one), as the simulation's catalog finds components.
     */
    static Map<String, Definition> onClassPath(ClassLoader loader) throws IOException {
        Map<String, Definition> out = new TreeMap<>();
        Enumeration<URL> manifests = loader.getResources("META-INF/MANIFEST.MF");
        while (manifests.hasMoreElements()) {
            URL url = manifests.nextElement();
            boolean vireo;
            try (InputStream in = url.openStream()) {
                vireo = VENDOR.equals(new Manifest(in).getMainAttributes().getValue("Bundle-Vendor"));
            }
            for (Map.Entry<String, byte[]> xml : metatypeFiles(url).entrySet()) {
                for (Definition d : parse(xml.getValue(), xml.getKey(), vireo)) {
                    Definition before = out.put(d.pid(), d);
                    if (before != null) {
                        throw new IllegalStateException("pid " + d.pid() + " is designated twice: " + before.source()
                                + " and " + d.source());
                    }
                }
            }
        }
        return out;
    }

    /** The OSGI-INF/metatype/*.xml files of the jar or class folder whose manifest is at {@code manifest}. */
    private static Map<String, byte[]> metatypeFiles(URL manifest) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        String s = manifest.toString();
        if (s.startsWith("jar:file:")) {
            Path jar = path(s.substring("jar:".length(), s.indexOf("!/")));
            try (JarFile j = new JarFile(jar.toFile())) {
                for (var e : j.stream().filter(e -> e.getName().startsWith("OSGI-INF/metatype/")
                        && e.getName().endsWith(".xml")).toList()) {
                    try (InputStream in = j.getInputStream(e)) {
                        files.put(jar + "!/" + e.getName(), in.readAllBytes());
                    }
                }
            }
        } else if (s.startsWith("file:")) {
            Path dir = path(s).getParent().getParent().resolve("OSGI-INF/metatype");
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    for (Path f : list.filter(p -> p.toString().endsWith(".xml")).sorted().toList()) {
                        files.put(f.toString(), Files.readAllBytes(f));
                    }
                }
            }
        }
        return files;
    }

    private static Path path(String fileUrl) {
        try {
            return Path.of(new URL(fileUrl).toURI());
        } catch (IOException | URISyntaxException e) {
            throw new IllegalArgumentException(fileUrl, e);
        }
    }

    static List<Definition> parse(byte[] xml, String source, boolean vireo) {
        Document doc;
        try {
            doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new java.io.ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new IllegalStateException("unreadable metatype " + source, e);
        }
        Map<String, Element> ocds = new TreeMap<>();
        NodeList ocdNodes = doc.getElementsByTagName("OCD");
        for (int i = 0; i < ocdNodes.getLength(); i++) {
            Element ocd = (Element) ocdNodes.item(i);
            ocds.put(ocd.getAttribute("id"), ocd);
        }
        List<Definition> out = new ArrayList<>();
        NodeList designates = doc.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element d = (Element) designates.item(i);
            boolean factory = !d.getAttribute("factoryPid").isEmpty();
            String pid = factory ? d.getAttribute("factoryPid") : d.getAttribute("pid");
            Element object = (Element) d.getElementsByTagName("Object").item(0);
            Element ocd = ocds.get(object.getAttribute("ocdref"));
            if (ocd == null) {
                throw new IllegalStateException(source + ": pid " + pid + " designates a missing OCD");
            }
            List<Attribute> attributes = new ArrayList<>();
            NodeList ads = ocd.getElementsByTagName("AD");
            for (int j = 0; j < ads.getLength(); j++) {
                Element ad = (Element) ads.item(j);
                String cardinality = ad.getAttribute("cardinality");
                attributes.add(new Attribute(ad.getAttribute("id"), ad.getAttribute("type"), ad.getAttribute("name"),
                        ad.getAttribute("description"), unescape(ad.getAttribute("default")), ad.getAttribute("min"),
                        ad.getAttribute("max"), cardinality.isEmpty() ? 0 : Integer.parseInt(cardinality)));
            }
            out.add(new Definition(pid, factory, ocd.getAttribute("name"), ocd.getAttribute("description"),
                    List.copyOf(attributes), source, vireo));
        }
        return out;
    }

    /** A metatype default as a value: a comma in a single value is written {@code \,} (and a backslash {@code \\}). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                c = s.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }
}
