package dev.vireo.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.vireo.containerd.containers.Container;
import dev.vireo.containerd.containers.ContainersGrpc;
import dev.vireo.containerd.containers.CreateContainerRequest;
import dev.vireo.containerd.containers.DeleteContainerRequest;
import dev.vireo.containerd.containers.ListContainersRequest;
import dev.vireo.containerd.tasks.CreateTaskRequest;
import dev.vireo.containerd.tasks.DeleteTaskRequest;
import dev.vireo.containerd.tasks.KillRequest;
import dev.vireo.containerd.tasks.StartRequest;
import dev.vireo.containerd.tasks.TasksGrpc;
import dev.vireo.containerd.tasks.WaitRequest;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.UnregisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The worker on containerd against its floors, in one run: warm invocations through the worker (gRPC, 1 client)
 * against the raw round trip over the same transport to the same agent in the same container and the bare gRPC
 * echo ({@code Ping}) of the same worker (the target: e2e p50 within 100 us of the two added), and cold starts
 * through the worker against a raw containerd create + start + agent-ready of the same OCI spec without the worker,
 * interleaved one for one after a discarded warm-up of each.
 */
public final class ContainerdBench {
    /** Seconds of warm calls before the warm path is measured (at most the measurement's own duration). */
    static final double WARMUP_S = 3;
    /** Warm calls whose anatomy is summarised. */
    static final int ANATOMY_CALLS = 2_000;
    private static final Metadata.Key<String> NS = Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * The benchmark against a running worker at {@code target} whose private daemon listens at {@code containerd} (or
     * {@code dockerSocket}) and whose transports keep their files under {@code sockets} / {@code pipes}.
     */
    public static void run(String target, Path containerd, Path sockets, Path pipes, Path dockerSocket, Path code,
            String backend, String transport, double duration, int coldRuns, Path json) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        WorkerGrpc.WorkerBlockingStub worker = WorkerGrpc.newBlockingStub(ch);
        if (!List.of("uds", "pipe", "http").contains(transport)) {
            throw new IllegalArgumentException("--transport must be uds, pipe or http, got " + transport);
        }
        FunctionSpec spec = FunctionSpec.newBuilder().setName("noop").setVersion("1").setCode(code.toString())
                .setHandler("main.handle").setBackend(backend).setTransport(transport).setMemoryMb(64).setCpus(1)
                .setTimeoutMs(30_000).build();
        // the raw cold floor's model: the same function over uds (a container with nothing the transport set up)
        FunctionSpec modelSpec = spec.toBuilder().setName("model").setTransport("uds").build();
        InvokeRequest invoke = InvokeRequest.newBuilder().setFunctionId("noop-1").setPayload("{}").setEnhanced(true).build();

        boolean onDocker = backend.equals("docker");
        DockerFloor dockerFloor = onDocker ? new DockerFloor(dockerSocket) : null;
        // containerd client for the raw floor
        ManagedChannel ctr = Grpc.newChannelBuilder("unix://" + containerd, InsecureChannelCredentials.create()).build();
        Channel ns = ClientInterceptors.intercept(ctr, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions o, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(m, o)) {
                    @Override
                    public void start(Listener<R> l, Metadata h) {
                        h.put(NS, "vireo");
                        super.start(l, h);
                    }
                };
            }
        });
        ContainersGrpc.ContainersBlockingStub containers = ContainersGrpc.newBlockingStub(ns);
        TasksGrpc.TasksBlockingStub tasks = TasksGrpc.newBlockingStub(ns);

        // warm-up (discarded): one container through the worker, whose spec is the floor's model
        call(worker).register(RegisterRequest.newBuilder().setSpec(spec).build());
        check(call(worker).invoke(invoke), "warm-up");
        call(worker).register(RegisterRequest.newBuilder().setSpec(modelSpec).build());
        check(call(worker).invoke(invoke.toBuilder().setFunctionId("model-1").build()), "model");
        Container model = onDocker ? null
                : containers.list(ListContainersRequest.newBuilder().addFilters("id~=-model-").build()).getContainers(0);
        String dockerModel = onDocker ? dockerFloor.find("-model-") : null;
        Path socketsDir = sockets;
        java.util.function.Function<String, Long> rawCold = id -> {
            try {
                return onDocker ? dockerFloor.coldStart(dockerModel, socketsDir, id)
                        : rawColdStart(containers, tasks, model, socketsDir, id);
            } catch (Exception e) {
                throw new IllegalStateException("raw cold start " + id + ": " + e.getMessage(), e);
            }
        };

        // warm-up of the warm path (discarded): the JIT compiles the worker's and this client's invocation path in the
        // first seconds of calls (without it, a 5 s measurement's p50 was 2-4x the same loop's after it)
        loop(Math.min(duration, WARMUP_S), () -> {
            check(call(worker).invoke(invoke), "warm-up");
            return -1;
        });
        // warm through the worker, 1 client
        long[] warm = loop(duration, () -> {
            InvokeReply r = call(worker).invoke(invoke);
            check(r, "warm");
            return r.getRecord().getTimings().getOverheadUs();
        });
        long[] overhead = Arrays.copyOfRange(warm, warm.length / 2, warm.length);
        long[] e2e = Arrays.copyOfRange(warm, 0, warm.length / 2);
        // floor: the bare gRPC echo of the same worker (Ping, answered on the transport thread), 1 client, right after
        PingRequest ping = PingRequest.newBuilder().setPayload(com.google.protobuf.ByteString.copyFromUtf8("{}")).build();
        long[] echo = loop(duration, () -> {
            call(worker).ping(ping);
            return -1;
        });
        // the anatomy, in calls of their own (asking for it adds a little to each reply): where the time goes
        LatencyAnatomy anatomy = new LatencyAnatomy();
        InvokeRequest anatomized = invoke.toBuilder().setAnatomy(true).build();
        for (int i = 0; i < ANATOMY_CALLS; i++) {
            long t0 = System.nanoTime();
            InvokeReply r = call(worker).invoke(anatomized);
            long t1 = System.nanoTime();
            check(r, "anatomy");
            anatomy.add(t0, t1, r.getAnatomy());
        }
        JsonArray hops = anatomy.summary();

        // floor: the raw round trip over the same transport to the same agent in the same container, right after
        // the worker's warm calls (before the cold starts, whose containers are destroyed in the background)
        String servedId = onDocker ? dockerFloor.find("-noop-")
                : containers.list(ListContainersRequest.newBuilder().addFilters("id~=-noop-").build()).getContainers(0).getId();
        byte[] frame = "{\"type\":\"invoke\",\"tid\":\"floor\",\"payload\":\"{}\"}".getBytes(StandardCharsets.UTF_8);
        long[] raw = switch (transport) {
            case "uds" -> rawUds(sockets.resolve(name(servedId, onDocker, dockerFloor)).resolve("agent.sock"), frame, duration);
            case "pipe" -> rawPipe(pipes.resolve(name(servedId, onDocker, dockerFloor)), frame, duration);
            default -> rawHttp(onDocker ? dockerFloor.address(servedId) : netnsAddress(containers, servedId), frame, duration);
        };
        rawCold.apply("floor-warmup"); // here, not before the warm calls: its teardown runs on in the background
        // cold starts (after the warm measurements: unregistering destroys containers in the background, which
        // disturbed warm calls measured right after), interleaved so that both paths see the same daemon and machine
        // state: a worker cold start (unregister + register, so the next invocation needs a new container), then a raw
        // one of the same spec
        List<Long> coldE2e = new ArrayList<>();
        List<Long> floorCold = new ArrayList<>();
        for (int i = 0; i < coldRuns; i++) {
            call(worker).unregister(UnregisterRequest.newBuilder().setFunctionId("noop-1").build());
            call(worker).register(RegisterRequest.newBuilder().setSpec(spec).build());
            long t0 = System.nanoTime();
            InvokeReply r = call(worker).invoke(invoke);
            coldE2e.add((System.nanoTime() - t0) / 1_000);
            check(r, "cold");
            floorCold.add(rawCold.apply("floor-" + i));
        }
        ctr.shutdownNow();
        if (dockerFloor != null) {
            dockerFloor.close();
        }

        long rawP50 = pct(raw, 0.5);
        long ovhP50 = pct(overhead, 0.5);
        long echoP50 = pct(echo, 0.5);
        // the warm path's target: the client's e2e p50 within 100 us of the two floors added
        long targetP50 = echoP50 + rawP50 + 100;
        double coldMs = pct(coldE2e.stream().mapToLong(Long::longValue).toArray(), 0.5) / 1000.0;
        double floorMs = pct(floorCold.stream().mapToLong(Long::longValue).toArray(), 0.5) / 1000.0;
        JsonObject out = new JsonObject();
        out.addProperty("backend", backend);
        out.addProperty("transport", transport);
        JsonArray floor = new JsonArray();
        JsonObject f = new JsonObject();
        f.addProperty("clients", 1);
        f.addProperty("throughput_per_s", Math.round(raw.length / duration));
        f.addProperty("p50_us", rawP50);
        f.addProperty("p99_us", pct(raw, 0.99));
        floor.add(f);
        out.add("floor", floor);
        out.addProperty("grpc_echo_p50_us", echoP50);
        out.addProperty("grpc_echo_per_s", Math.round(echo.length / duration));
        out.addProperty("e2e_p50_target_us", targetP50);
        out.addProperty("e2e_p50_target_met", pct(e2e, 0.5) <= targetP50);
        JsonArray runs = new JsonArray();
        JsonObject w = new JsonObject();
        w.addProperty("clients", 1);
        w.addProperty("throughput_per_s", Math.round(e2e.length / duration));
        w.addProperty("e2e_p50_us", pct(e2e, 0.5));
        w.addProperty("e2e_p99_us", pct(e2e, 0.99));
        w.addProperty("overhead_p50_us", ovhP50);
        w.addProperty("overhead_p99_us", pct(overhead, 0.99));
        w.addProperty("errors", 0);
        runs.add(w);
        out.add("runs", runs);
        out.addProperty("floor_cold_ms", floorMs);
        out.addProperty("cold_e2e_ms", coldMs);
        out.addProperty("cold_runs", coldRuns);
        out.add("anatomy", hops);
        System.out.printf(Locale.ROOT, "%-46s %12s%n", backend + " + " + transport + ", 1 client", "value");
        System.out.printf(Locale.ROOT, "%-46s %12d%n%-46s %12d%n%-46s %12d%n%-46s %12d%n%-46s %12d%n",
                "floor: raw " + transport + " round trip p50 (us)", rawP50, "floor: raw " + transport + " round trips/s",
                Math.round(raw.length / duration),
                "worker: e2e p50 through gRPC (us)", pct(e2e, 0.5), "worker: overhead p50 (e2e - exec, us)", ovhP50,
                "worker: warm invocations/s", Math.round(e2e.length / duration));
        System.out.printf(Locale.ROOT, "%-46s %12d%n%-46s %12d%n%-46s %12s%n", "floor: bare gRPC echo p50 (us)", echoP50,
                "target: echo + raw + 100 us (e2e p50, us)", targetP50, "e2e p50 within the target",
                pct(e2e, 0.5) <= targetP50 ? "yes" : "NO");
        System.out.printf(Locale.ROOT, "%-46s %12.1f%n%-46s %12.1f%n%-46s %12.2f%n", "floor: raw create+start+ready p50 (ms)",
                floorMs, "worker: cold e2e p50 (ms)", coldMs, "cold / floor", coldMs / floorMs);
        System.out.println();
        System.out.print(LatencyAnatomy.table(hops));
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(out);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
        }
        call(worker).unregister(UnregisterRequest.newBuilder().setFunctionId("noop-1").build());
        call(worker).unregister(UnregisterRequest.newBuilder().setFunctionId("model-1").build());
        ch.shutdownNow();
    }

    private static long[] rawUds(Path socket, byte[] frame, double duration) throws Exception {
        try (SocketChannel agent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            agent.connect(UnixDomainSocketAddress.of(socket));
            read(agent);
            return loop(duration, () -> {
                write(agent, frame);
                read(agent);
                return -1;
            });
        }
    }

    /** The last FIFO pair of the container (the worker's channel uses the first). */
    private static long[] rawPipe(Path dir, byte[] frame, double duration) throws Exception {
        int pair;
        try (var files = Files.list(dir)) {
            pair = (int) files.filter(f -> f.getFileName().toString().startsWith("in-")).count() - 1;
        }
        try (FileChannel requests = FileChannel.open(dir.resolve("in-" + pair), StandardOpenOption.WRITE);
                FileChannel replies = FileChannel.open(dir.resolve("out-" + pair), StandardOpenOption.READ)) {
            write(requests, "{\"type\":\"hello\"}".getBytes(StandardCharsets.UTF_8));
            read(replies);
            return loop(duration, () -> {
                write(requests, frame);
                read(replies);
                return -1;
            });
        }
    }

    /** The worker's container's name (docker: the full id maps back to the name the worker gave it). */
    private static String name(String id, boolean onDocker, DockerFloor floor) {
        return onDocker ? floor.name(id) : id;
    }

    /** The address of eth0 in the network namespace the container's spec names (containerd). */
    private static String netnsAddress(ContainersGrpc.ContainersBlockingStub containers, String id) throws Exception {
        Container served = containers.list(ListContainersRequest.newBuilder().addFilters("id==" + id).build())
                .getContainers(0);
        String netns = "";
        JsonObject s = JsonParser.parseString(served.getSpec().getValue().toStringUtf8()).getAsJsonObject();
        for (JsonElement n : s.getAsJsonObject("linux").getAsJsonArray("namespaces")) {
            if (n.getAsJsonObject().get("type").getAsString().equals("network") && n.getAsJsonObject().has("path")) {
                netns = Path.of(n.getAsJsonObject().get("path").getAsString()).getFileName().toString();
            }
        }
        Process p = new ProcessBuilder("ip", "-n", netns, "-4", "-o", "addr", "show", "eth0").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.replaceAll("(?s).*inet ([0-9.]+)/.*", "$1").trim();
    }

    /** A hand-written keep-alive HTTP/1.1 exchange with the agent in its namespace. */
    private static long[] rawHttp(String address, byte[] frame, double duration) throws Exception {
        byte[] head = ("POST /invoke HTTP/1.1\r\nHost: " + address + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + frame.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer request = ByteBuffer.allocate(head.length + frame.length).put(head).put(frame).flip();
        try (SocketChannel agent = SocketChannel.open(new java.net.InetSocketAddress(address, 8080))) {
            agent.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            java.io.InputStream in = new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(agent));
            return loop(duration, () -> {
                ByteBuffer b = request.duplicate();
                while (b.hasRemaining()) {
                    agent.write(b);
                }
                int length = 0;
                StringBuilder line = new StringBuilder();
                for (int c = in.read(); ; c = in.read()) {
                    if (c < 0) {
                        throw new IOException("closed");
                    }
                    if (c == '\n') {
                        String l = line.toString().trim();
                        if (l.isEmpty()) {
                            break;
                        }
                        if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(l.substring(15).trim());
                        }
                        line.setLength(0);
                    } else {
                        line.append((char) c);
                    }
                }
                in.readNBytes(length);
                return -1;
            });
        }
    }

    /**
     * A raw containerd create + start + agent-ready of the model's spec (its socket mount, cgroup and hostname made
     * fresh), without the worker; returns the time in us and removes the container.
     */
    private static long rawColdStart(ContainersGrpc.ContainersBlockingStub containers, TasksGrpc.TasksBlockingStub tasks,
            Container model, Path sockets, String id) throws Exception {
        Path socketDir = Files.createDirectories(sockets.resolve(id));
        Files.setAttribute(socketDir, "unix:uid", 65534);
        Files.setAttribute(socketDir, "unix:gid", 65534);
        JsonObject s = JsonParser.parseString(model.getSpec().getValue().toStringUtf8()).getAsJsonObject();
        for (JsonElement m : s.getAsJsonArray("mounts")) {
            JsonObject mo = m.getAsJsonObject();
            if (mo.get("destination").getAsString().equals("/run/vireo")) {
                mo.addProperty("source", socketDir.toString());
            }
        }
        s.getAsJsonObject("linux").addProperty("cgroupsPath", "/vireo/" + id);
        s.addProperty("hostname", id);
        long t0 = System.nanoTime();
        containers.create(CreateContainerRequest.newBuilder().setContainer(Container.newBuilder().setId(id)
                .setRuntime(model.getRuntime()).setSpec(Any.newBuilder().setTypeUrl(model.getSpec().getTypeUrl())
                        .setValue(ByteString.copyFromUtf8(s.toString())))).build());
        tasks.create(CreateTaskRequest.newBuilder().setContainerId(id).build());
        tasks.start(StartRequest.newBuilder().setContainerId(id).build());
        awaitReady(socketDir.resolve("agent.sock"));
        long us = (System.nanoTime() - t0) / 1_000;
        tasks.kill(KillRequest.newBuilder().setContainerId(id).setSignal(9).setAll(true).build());
        tasks.withDeadlineAfter(10, TimeUnit.SECONDS).wait(WaitRequest.newBuilder().setContainerId(id).build());
        tasks.delete(DeleteTaskRequest.newBuilder().setContainerId(id).build());
        containers.delete(DeleteContainerRequest.newBuilder().setId(id).build());
        return us;
    }

    private static WorkerGrpc.WorkerBlockingStub call(WorkerGrpc.WorkerBlockingStub s) {
        return s.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static void check(InvokeReply r, String what) {
        if (!r.getSuccess()) {
            throw new IllegalStateException(what + " invocation failed: " + r.getError());
        }
    }

    interface Step {
        long run() throws Exception;
    }

    /** Runs the step back to back for the duration; returns latencies (us), then the step's values if any. */
    private static long[] loop(double seconds, Step step) throws Exception {
        List<Long> lat = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            long v = step.run();
            lat.add((System.nanoTime() - t0) / 1_000);
            if (v >= 0) {
                values.add(v);
            }
        }
        List<Long> all = new ArrayList<>(lat);
        all.addAll(values);
        return values.isEmpty() ? lat.stream().mapToLong(Long::longValue).toArray()
                : all.stream().mapToLong(Long::longValue).toArray();
    }

    private static long pct(long[] values, double p) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s.length == 0 ? 0 : s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)];
    }

    static void awaitReady(Path socket) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(socket));
                read(c);
                return;
            } catch (IOException e) {
                Thread.sleep(1);
            }
        }
        throw new IOException("agent at " + socket + " never became ready");
    }

    private static void write(java.nio.channels.ByteChannel c, byte[] body) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void read(java.nio.channels.ByteChannel c) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4);
        while (h.hasRemaining()) {
            if (c.read(h) < 0) {
                throw new IOException("closed");
            }
        }
        ByteBuffer body = ByteBuffer.allocate(h.flip().getInt());
        while (body.hasRemaining()) {
            if (c.read(body) < 0) {
                throw new IOException("closed");
            }
        }
    }
}
