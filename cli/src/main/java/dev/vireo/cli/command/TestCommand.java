package dev.vireo.cli.command;

import dev.vireo.cli.Home;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vireo test}: every test (unit tests, Pax Exam tests in a real Felix, the CLI end to end) through Maven,
 * after installing what the container backends, the Graphite fixture and the Redis store need (as root, from
 * Debian); ends with "N passed, N failed, N skipped" counted from the Surefire reports.
 */
@Command(name = "test", description = {"Every test: unit tests + Pax Exam tests in a real Felix + the CLI end to end;",
    "ends with \"N passed, N failed, N skipped\". Arguments after -- go to Maven (e.g. vireo test -- -pl sim -am)."})
public final class TestCommand implements Callable<Integer> {
    private static final Pattern SHOWN = Pattern.compile(
            "^\\[(INFO|WARNING|ERROR)\\] (Tests run:|Running |BUILD|Reactor Summary|vireo|Failed|Tests in error|  ).*");

    @Parameters(paramLabel = "MAVEN_ARG", description = "after --: more arguments for Maven")
    List<String> mavenArgs = new ArrayList<>();

    /**
     * The Debian packages behind the tests: private containerd/dockerd, carbon + graphite-web, numpy (a function
     * whose libraries resolve through the host's /etc/alternatives, run in a container), redis-server (the Redis
     * workflow store's tests start a private one), bpftool (dev.vireo.bpf's tests read maps back with it), and
     * nbconvert with a Python kernel, pandas and matplotlib (the notebooks run top to bottom), Pillow, Jinja2 and
     * cryptography (the FunctionBench-style functions of examples/fb-*), systemd-analyze (the
     * distribution's unit is verified with it), Ansible and ansible-runner (the deployment's playbooks and its Python
     * wrapper run against this machine).
     */
    private static final List<String[]> TOOLS = List.of(new String[] {"/usr/bin/containerd", "containerd"},
            new String[] {"/usr/sbin/runc", "runc"}, new String[] {"/usr/sbin/dockerd", "docker.io"},
            new String[] {"/usr/bin/docker-registry", "docker-registry"},
            new String[] {"/usr/bin/carbon-cache", "graphite-carbon"},
            new String[] {"/usr/lib/python3/dist-packages/graphite", "graphite-web"},
            new String[] {"/usr/bin/gunicorn", "gunicorn"}, new String[] {"/usr/bin/curl", "curl"},
            new String[] {"/usr/lib/python3/dist-packages/numpy", "python3-numpy"},
            new String[] {"/usr/bin/redis-server", "redis-server"}, new String[] {"/usr/sbin/bpftool", "bpftool"},
            new String[] {"/usr/bin/clang", "clang"}, new String[] {"/usr/include/bpf/bpf_helpers.h", "libbpf-dev"},
            new String[] {"/usr/bin/qemu-system-x86_64", "qemu-system-x86"},
            new String[] {"/usr/bin/jupyter-nbconvert", "jupyter-nbconvert"},
            new String[] {"/usr/lib/python3/dist-packages/ipykernel", "python3-ipykernel"},
            new String[] {"/usr/lib/python3/dist-packages/pandas", "python3-pandas"},
            new String[] {"/usr/lib/python3/dist-packages/matplotlib", "python3-matplotlib"},
            new String[] {"/usr/lib/python3/dist-packages/PIL", "python3-pil"},
            new String[] {"/usr/lib/python3/dist-packages/jinja2", "python3-jinja2"},
            new String[] {"/usr/lib/python3/dist-packages/cryptography", "python3-cryptography"},
            new String[] {"/usr/bin/systemd-analyze", "systemd"},
            new String[] {"/usr/bin/ansible-playbook", "ansible"},
            new String[] {"/usr/lib/python3/dist-packages/ansible_runner", "python3-ansible-runner"});

    @Override
    public Integer call() throws Exception {
        Home home = Home.detect();
        Files.createDirectories(home.runRoot());
        installTools(home);
        try (Stream<Path> all = Files.walk(home.dir())) {
            for (Path reports : all.filter(p -> p.endsWith("target/surefire-reports") && Files.isDirectory(p)).toList()) {
                dev.vireo.cli.instance.Trees.delete(reports);
            }
        }
        Path log = home.runRoot().resolve("test.log");
        System.out.println("vireo: running unit and integration tests (log: " + log + ")");
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-Dmaven.test.failure.ignore=false", "install"));
        cmd.addAll(mavenArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.dir().toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                PrintStream out = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                if (SHOWN.matcher(line).matches() && !line.contains("Time elapsed")) {
                    System.out.println(line);
                }
            }
        }
        int rc = p.waitFor();
        // the build is current now: the launcher need not build again
        Path stamp = home.dir().resolve("cli/target/.vireo-built");
        if (Files.isDirectory(stamp.getParent())) {
            Files.writeString(stamp, "");
        }
        long[] counts = count(home.dir());
        long passed = counts[0] - counts[1] - counts[2] - counts[3];
        long failed = counts[1] + counts[2];
        if (rc != 0 && failed == 0) {
            List<String> lines = Files.readAllLines(log);
            lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.out::println);
            System.out.println("vireo: the build failed before or outside the tests (see " + log + ")");
            failed++;
        }
        System.out.println(passed + " passed, " + failed + " failed, " + counts[3] + " skipped");
        return rc == 0 && failed == 0 ? 0 : 1;
    }

    /** Tests, failures, errors, skipped over every Surefire report under {@code dir}. */
    static long[] count(Path dir) throws Exception {
        long[] c = new long[4];
        var factory = DocumentBuilderFactory.newInstance();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path r : all.filter(p -> p.getParent() != null && p.getParent().endsWith("target/surefire-reports")
                    && p.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
                Element suite = factory.newDocumentBuilder().parse(r.toFile()).getDocumentElement();
                String[] names = {"tests", "failures", "errors", "skipped"};
                for (int i = 0; i < 4; i++) {
                    String v = suite.getAttribute(names[i]);
                    c[i] += v.isEmpty() ? 0 : Long.parseLong(v);
                }
            }
        }
        return c;
    }

    private static void installTools(Home home) throws IOException, InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String[] t : TOOLS) {
            if (!Files.exists(Path.of(t[0]))) {
                missing.add(t[1]);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        if (!System.getProperty("user.name").equals("root")) {
            System.err.println("vireo: " + String.join(" ", missing) + " not installed and not root: the tests that"
                    + " need them will be skipped");
            return;
        }
        System.err.println("vireo: installing " + String.join(" ", missing) + " from Debian (container backends,"
                + " Graphite fixture, numpy, Redis store, bpftool for BPF map dumps, the notebooks' Jupyter and"
                + " pandas, the example functions' Pillow, Jinja2 and cryptography)");
        Path log = home.runRoot().resolve("apt.log");
        List<String> install = new ArrayList<>(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y",
                "--no-install-recommends"));
        install.addAll(missing);
        ProcessBuilder update = new ProcessBuilder("apt-get", "-o", "DPkg::Lock::Timeout=600", "update")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        ProcessBuilder add = new ProcessBuilder(install).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        add.environment().put("DEBIAN_FRONTEND", "noninteractive");
        if (update.start().waitFor() != 0 || add.start().waitFor() != 0) {
            System.err.println("vireo: installing " + String.join(" ", missing) + " failed (see " + log
                    + "); the tests that need them will fail");
        }
    }
}
