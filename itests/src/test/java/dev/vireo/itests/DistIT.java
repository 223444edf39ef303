package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator does with {@code ./vireo dist}: unpack the worker's tarball (with its own Java runtime), verify its
 * systemd unit with {@code systemd-analyze verify}, then run the unit's own lines as systemd would (PID 1 here is not
 * systemd): its environment, {@code ExecStart} (Type=forking: it returns once ready and the pid file names the node),
 * a function from the distribution's examples served over HTTP and gRPC, and the unit's stop (KillMode=mixed: TERM
 * to the node alone) while one call of each API is in flight: both are answered, the node exits, no agent is left.
 */
class DistIT {
    private static final Path HOME = VireoScript.HOME;

    @TempDir
    Path tmp;

    @Test
    void workerDistributionRunsUnderItsUnitAndStopsAnsweringWhatIsInFlight() throws Exception {
        Path prefix = tmp.resolve("opt/vireo");
        Path state = tmp.resolve("var/lib/vireo");
        VireoScript script = new VireoScript(tmp.resolve("build-run"), Map.of(), Duration.ofMinutes(5));
        VireoScript.Result dist = script.run("dist", "--profile", "worker", "--runtime", "--prefix", prefix.toString(),
                "--state-dir", state.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(0, dist.code(), dist.out());
        Path tarball;
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            List<Path> all = s.filter(p -> p.toString().endsWith(".tar.gz")).toList();
            assertEquals(1, all.size(), all.toString());
            tarball = all.get(0);
        }
        String root = tarball.getFileName().toString().replace(".tar.gz", "");
        assertTrue(root.matches("vireo-[0-9][^/]*-worker"), root);
        Files.createDirectories(prefix.getParent());
        assertEquals(0, exec(List.of("tar", "-xzf", tarball.toString(), "-C", prefix.getParent().toString()), Map.of(),
                null).code);
        Files.move(prefix.getParent().resolve(root), prefix);

        // the layout an operator finds
        assertTrue(Files.isExecutable(prefix.resolve("bin/vireo")));
        assertTrue(Files.isExecutable(prefix.resolve("runtime/bin/java")));
        assertTrue(Files.isRegularFile(prefix.resolve("lib/felix-main.jar")));
        assertTrue(Files.isRegularFile(prefix.resolve("configs/vireo.kernel.cfg")));
        try (Stream<Path> s = Files.list(prefix.resolve("bundles"))) {
            assertEquals(List.of("worker"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(Files.readString(prefix.resolve("VERSION")).contains("profile worker"));
        Proc refused = exec(List.of(prefix.resolve("bin/vireo").toString(), "test"), Map.of(), null);
        assertEquals(2, refused.code, refused.out);
        assertTrue(refused.out.contains("runs from a checkout"), refused.out);

        // systemd's own check of the unit, as installed
        Path unitFile = prefix.resolve("systemd/vireo@.service");
        String unit = Files.readString(unitFile);
        assertTrue(unit.contains("ExecStart=" + prefix + "/bin/vireo start"), unit);
        Path units = Files.createDirectories(tmp.resolve("units"));
        Files.copy(unitFile, units.resolve("vireo@worker.service"));
        Proc verify = exec(List.of("systemd-analyze", "verify", units.resolve("vireo@worker.service").toString()),
                Map.of(), null);
        assertEquals(0, verify.code, verify.out);
        assertFalse(verify.out.contains("vireo@"), "systemd-analyze verify has remarks on the unit:\n" + verify.out);

        // the unit's lines, as systemd runs them for vireo@worker
        Map<String, List<String>> service = section(unit, "Service");
        assertEquals(List.of("forking"), service.get("Type"));
        assertEquals(List.of("mixed"), service.get("KillMode"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String e : service.get("Environment")) {
            String v = e.replace("%i", "worker");
            env.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
        }
        int http = VireoOptions.freePort();
        int grpc = VireoOptions.freePort();
        // what /etc/vireo/worker.env would hold
        env.put("VIREO_START_ARGS", "--http-port " + http + " --grpc-port " + grpc);
        List<String> execStart = expand(service.get("ExecStart").get(0).replace("%i", "worker"), env);
        Path journal = tmp.resolve("journal.log");
        Proc started = exec(execStart, env, journal);
        assertEquals(0, started.code, Files.readString(journal));
        Path pidFile = Path.of(service.get("PIDFile").get(0).replace("%i", "worker"));
        ProcessHandle node = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
        assertTrue(node.isAlive());
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + http;
            String spec = "{\"name\":\"sleep\",\"code\":\"" + prefix.resolve("examples/sleep") + "\",\"handler\":\"main.handle\","
                    + "\"backend\":\"process\",\"transport\":\"uds\",\"memory_mb\":128,\"cpus\":0.5}";
            HttpResponse<String> reg = client.send(HttpRequest.newBuilder(URI.create(base + "/functions"))
                    .POST(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, reg.statusCode(), reg.body());
            HttpRequest warmup = HttpRequest.newBuilder(URI.create(base + "/functions/sleep-1/invoke"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"ms\":10}")).build();
            HttpResponse<String> first = client.send(warmup, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, first.statusCode(), first.body());

            // one call of each API in flight, then the unit's stop: TERM to the node alone
            CompletableFuture<HttpResponse<String>> overHttp = client.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "/functions/sleep-1/invoke"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"ms\":2500}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
            try {
                CompletableFuture<InvokeReply> overGrpc = CompletableFuture.supplyAsync(() ->
                        WorkerGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).invoke(
                                InvokeRequest.newBuilder().setFunctionId("sleep-1").setPayload("{\"ms\":2500}").build()));
                Thread.sleep(1_000); // both calls reach their functions (a warm one, then a cold one)
                assertFalse(overHttp.isDone() || overGrpc.isDone(), "the calls ended before the stop");
                assertTrue(node.destroy(), "TERM");
                long stopTimeout = Long.parseLong(service.get("TimeoutStopSec").get(0));
                node.onExit().get(stopTimeout, TimeUnit.SECONDS);
                HttpResponse<String> h = overHttp.get(10, TimeUnit.SECONDS);
                assertEquals(200, h.statusCode(), h.body());
                assertTrue(h.body().contains("\"slept_ms\": 2500") || h.body().contains("\"slept_ms\":2500"), h.body());
                InvokeReply g = overGrpc.get(10, TimeUnit.SECONDS);
                assertTrue(g.getSuccess(), g.toString());
                assertTrue(g.getResult().replace(" ", "").contains("\"slept_ms\":2500"), g.getResult());
            } finally {
                channel.shutdownNow();
            }
            String log = Files.readString(journal);
            assertTrue(log.contains("worker HTTP API on"), "the node's log reaches the unit's output:\n" + log);
            try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
                List<String> agents = all.map(p -> p.info().commandLine().orElse(""))
                        .filter(c -> c.contains(prefix.resolve("agent").toString())).toList();
                assertEquals(List.of(), agents, "agents left behind");
            }

            // Restart=on-failure starts it again the same way, over the pid file the stopped node left
            Proc again = exec(execStart, env, tmp.resolve("journal-2.log"));
            assertEquals(0, again.code, Files.readString(tmp.resolve("journal-2.log")));
            node = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
        } finally {
            Proc stop = exec(List.of(prefix.resolve("bin/vireo").toString(), "stop", "worker"), env, null);
            assertEquals(0, stop.code, stop.out);
            assertFalse(node.isAlive());
        }
    }

    /**
     * The Ansible deployment through its Python wrapper (ansible/python/test_vireo_ansible.py, run with Debian's
     * Python, ansible and ansible-runner): bad arguments and configuration fail first, then a controller and two
     * workers deploy on this machine from the combined tarball, serve through the controller, and tear down.
     */
    @Test
    void ansibleDeploysAControllerAndTwoWorkersThatServe() throws Exception {
        VireoScript script = new VireoScript(tmp.resolve("build-run"), Map.of(), Duration.ofMinutes(5));
        Path out = tmp.resolve("out");
        VireoScript.Result dist = script.run("dist", "--together", "--profile", "controller,worker", "--out",
                out.toString());
        assertEquals(0, dist.code(), dist.out());
        Path tarball = out.resolve(dist.out().lines().filter(l -> l.contains(".tar.gz")).findFirst().orElseThrow()
                .replaceAll(".*/(vireo-[^/ ]+\\.tar\\.gz).*", "$1"));
        assertTrue(Files.isRegularFile(tarball), dist.out());
        String keys = Files.readString(out.resolve("ansible/roles/vireo/vars/config_keys.yml"));
        // every key of every shipped configuration file is among the generated ones (factories aside)
        try (Stream<Path> cfgs = Files.list(HOME.resolve("configs"))) {
            for (Path cfg : cfgs.filter(p -> !p.getFileName().toString().contains("-")).toList()) {
                String pid = cfg.getFileName().toString().replace(".cfg", "");
                assertTrue(keys.contains("\n  \"" + pid + "\":\n"), pid + " is not in the generated keys");
                for (String line : Files.readAllLines(cfg)) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        String key = line.substring(0, line.indexOf('=')).strip();
                        assertTrue(keys.contains("\n    \"" + key + "\": {type: "), pid + "/" + key + " is not generated");
                    }
                }
            }
        }
        int port = freeRange(6);
        Path root = Files.createDirectories(tmp.resolve("root"));
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("VIREO_TEST_DIST", tarball.toString());
        env.put("VIREO_TEST_ROOT", root.toString());
        env.put("VIREO_TEST_PORT", Integer.toString(port));
        env.put("HOME", tmp.toString()); // ansible's own ~/.ansible
        Proc py = exec(List.of("/usr/bin/python3", out.resolve("ansible/python/test_vireo_ansible.py").toString()), env,
                null);
        assertEquals(0, py.code, py.out);
        assertTrue(py.out.contains("Ran 3 tests") && py.out.contains("\nOK") && !py.out.contains("skipped"), py.out);
    }

    /**
     * The container images of ./vireo dist --image, loaded into a private dockerd (root; docker.io from Debian) and run
     * unprivileged: user 65534, every capability dropped, no new privileges, a read-only root with tmpfs for /tmp and
     * the run folder. The sim-backend worker joins the controller, which serves an invocation.
     */
    @Test
    void containerImagesOfTheControllerAndASimWorkerRunUnprivileged() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dockerd"))
                && "root".equals(System.getProperty("user.name")), "needs root and dockerd (docker.io)");
        VireoScript script = new VireoScript(tmp.resolve("build-run"), Map.of(), Duration.ofMinutes(5));
        Path out = tmp.resolve("out");
        VireoScript.Result dist = script.run("dist", "--image", "--profile", "controller,worker", "--out", out.toString());
        assertEquals(0, dist.code(), dist.out());
        Path d = Files.createDirectories(tmp.resolve("docker"));
        Path sock = d.resolve("docker.sock");
        Process dockerd = new ProcessBuilder("dockerd", "--data-root", d.resolve("data").toString(), "--exec-root",
                d.resolve("exec").toString(), "-H", "unix://" + sock, "--pidfile", d.resolve("pid").toString(),
                "--iptables=false", "--ip-masq=false", "--bridge=none", "--log-level=warn")
                .redirectErrorStream(true).redirectOutput(d.resolve("log").toFile()).start();
        List<String> docker = List.of("docker", "-H", "unix://" + sock);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (exec(concat(docker, "info"), Map.of(), null).code != 0) {
                assertTrue(System.nanoTime() < deadline && dockerd.isAlive(), Files.readString(d.resolve("log")));
                Thread.sleep(200);
            }
            String version = dist.out().replaceAll("(?s).*vireo-([^/ ]+)-controller\\.oci\\.tar.*", "$1");
            for (String profile : List.of("controller", "worker")) {
                Proc load = exec(concat(docker, "load", "-i", out.resolve("vireo-" + version + "-" + profile + ".oci.tar")
                        .toString()), Map.of(), null);
                assertEquals(0, load.code, load.out);
                assertTrue(load.out.contains("Loaded image: vireo/" + profile + ":" + version.toLowerCase()), load.out);
            }
            int ports = freeRange(4);
            List<String> unprivileged = List.of("run", "-d", "--network", "host", "--read-only", "--tmpfs", "/tmp",
                    "--tmpfs", "/var/lib/vireo:uid=65534", "--cap-drop", "ALL", "--security-opt", "no-new-privileges");
            String tag = ":" + version.toLowerCase();
            Proc ctl = exec(concat(concat(docker, unprivileged.toArray(String[]::new)), "--name", "ctl",
                    "vireo/controller" + tag, "controller", "-D", "vireo.http.port=" + ports, "-D",
                    "vireo.grpc.port=" + (ports + 1)), Map.of(), null);
            assertEquals(0, ctl.code, ctl.out);
            Proc wk = exec(concat(concat(docker, unprivileged.toArray(String[]::new)), "--name", "wk", "vireo/worker" + tag,
                    "worker", "-D", "vireo.backends=sim", "-D", "vireo.http.port=" + (ports + 2), "-D",
                    "vireo.grpc.port=" + (ports + 3), "-D", "vireo.controller.url=http://127.0.0.1:" + ports), Map.of(),
                    null);
            assertEquals(0, wk.code, wk.out);
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + ports;
            String workers = "";
            while (!workers.contains("\"healthy\":true")) {
                assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60), "the worker did not join: "
                        + workers + exec(concat(docker, "logs", "wk"), Map.of(), null).out);
                Thread.sleep(250);
                try {
                    workers = client.send(HttpRequest.newBuilder(URI.create(base + "/workers")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                } catch (IOException notYet) {
                    workers = "";
                }
            }
            HttpResponse<String> reg = client.send(HttpRequest.newBuilder(URI.create(base + "/functions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"hello\",\"image\":\"sim/hello\","
                            + "\"transport\":\"sim\",\"cpus\":0.1}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, reg.statusCode(), reg.body());
            HttpResponse<String> inv = client.send(HttpRequest.newBuilder(URI.create(base + "/functions/hello-1/invoke"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, inv.statusCode(), inv.body());
            assertEquals("{\"echo\":{\"a\":1}}", inv.body());
            Proc user = exec(concat(docker, "inspect", "-f", "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}", "wk"),
                    Map.of(), null);
            assertEquals("65534:65534 true", user.out.strip());
        } finally {
            exec(concat(docker, "rm", "-f", "ctl", "wk"), Map.of(), null);
            dockerd.destroy();
            if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
                dockerd.destroyForcibly();
            }
            // dockerd leaves its default network namespace mounted under its exec root
            List<String> mounts = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(d.toString())).toList());
            java.util.Collections.reverse(mounts);
            for (String m : mounts) {
                exec(List.of("umount", "-l", m), Map.of(), null);
            }
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /** The first of {@code n} consecutive free ports. */
    private static int freeRange(int n) throws IOException {
        for (int base = 20_000 + (int) (ProcessHandle.current().pid() % 5_000); base < 60_000; base += n) {
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                try (java.net.ServerSocket s = new java.net.ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no " + n + " consecutive free ports");
    }

    /** The keys of one section of a unit file, each with its values in order. */
    private static Map<String, List<String>> section(String unit, String name) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (String line : unit.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            if (l.startsWith("[")) {
                current = l.substring(1, l.length() - 1);
            } else if (name.equals(current)) {
                int eq = l.indexOf('=');
                keys.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
            }
        }
        return keys;
    }

    /** A command line as systemd expands it: {@code $NAME} splits into words, {@code ${NAME}} stays one. */
    private static List<String> expand(String line, Map<String, String> env) {
        List<String> words = new ArrayList<>();
        Matcher braced = Pattern.compile("\\$\\{(\\w+)}").matcher("");
        for (String w : line.trim().split("\\s+")) {
            if (w.matches("\\$\\w+")) {
                String v = env.getOrDefault(w.substring(1), "").trim();
                if (!v.isEmpty()) {
                    words.addAll(List.of(v.split("\\s+")));
                }
            } else {
                words.add(braced.reset(w).replaceAll(m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), ""))));
            }
        }
        return words;
    }

    private record Proc(int code, String out) {
    }

    /** Runs a command with exactly {@code env} when given (else this one's); its output to {@code log} or returned. */
    private static Proc exec(List<String> cmd, Map<String, String> env, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (!env.isEmpty()) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        if (log != null) {
            pb.redirectOutput(log.toFile()); // the daemon keeps it open, as it keeps the journal's stream
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = log == null ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
        assertTrue(p.waitFor(4, TimeUnit.MINUTES), String.join(" ", cmd) + " hung");
        return new Proc(p.exitValue(), out);
    }
}
