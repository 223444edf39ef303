package dev.vireo.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The bundle's merged {@code META-INF/services} lists must name exactly the providers that the gRPC jars it copies
 * declare: a provider missing here (after a gRPC upgrade) would silently drop a name resolver or load balancer.
 */
class RuntimeServicesTest {
    private static final Path MERGED = Path.of("src/main/resources/META-INF/services");

    @Test
    void mergedProviderListsAreTheUnionOfTheJars() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(MERGED)) {
            files = s.sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path merged : files) {
            String name = "META-INF/services/" + merged.getFileName();
            Set<String> fromJars = new TreeSet<>();
            for (URL u : Collections.list(getClass().getClassLoader().getResources(name))) {
                if (u.getProtocol().equals("jar")) {
                    try (InputStream in = u.openStream()) {
                        fromJars.addAll(providers(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
            assertFalse(fromJars.isEmpty(), "no jar on the classpath declares " + name);
            assertEquals(fromJars, providers(Files.readString(merged)), name);
        }
    }

    @Test
    void everyGrpcServiceAJarOnTheClasspathDeclaresIsMerged() throws IOException {
        Set<String> declared = new TreeSet<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.endsWith(".jar")) {
                continue;
            }
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entry)) {
                jar.stream().map(java.util.jar.JarEntry::getName)
                        .filter(n -> n.startsWith("META-INF/services/io.grpc."))
                        .forEach(n -> declared.add(n.substring("META-INF/services/".length())));
            }
        }
        assertFalse(declared.isEmpty(), "no gRPC jar on the test classpath");
        Set<String> merged = new TreeSet<>();
        try (Stream<Path> s = Files.list(MERGED)) {
            s.forEach(p -> merged.add(p.getFileName().toString()));
        }
        assertEquals(declared, merged, "a service list a gRPC jar has and this bundle does not (or the reverse)");
    }

    private static Set<String> providers(String text) {
        Set<String> out = new TreeSet<>();
        for (String line : text.split("\n")) {
            String l = line.replaceAll("#.*", "").trim();
            if (!l.isEmpty()) {
                out.add(l);
            }
        }
        return out;
    }
}
