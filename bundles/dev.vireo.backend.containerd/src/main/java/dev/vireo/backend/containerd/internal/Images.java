package dev.vireo.backend.containerd.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.backend.support.Processes;
import dev.vireo.containerd.content.ContentGrpc;
import dev.vireo.containerd.content.ReadContentRequest;
import dev.vireo.containerd.images.GetImageRequest;
import dev.vireo.containerd.images.ImagesGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Function images in containerd: resolves a reference to the chain id of its unpacked layers (manifest -> config ->
 * diff_ids, chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n))) and its labels. An image containerd
 * does not hold is imported from {@code images.dir/<reference with / : @ as _>.tar} (what {@code ./vireo image build}
 * writes) with containerd's own importer, which also unpacks it; a newer archive is imported again.
 */
final class Images {
    static final String USR_LABEL = "dev.vireo.usr";
    static final String HANDLER_LABEL = "dev.vireo.handler";
    /** "mountpoints": the image holds mount points for {@code HostLibraries.PATHS}. */
    static final String HOSTLIBS_LABEL = "dev.vireo.hostlibs";

    /**
     * A resolved image: the snapshot its containers view, the labels of its config, and its own process (entrypoint
     * and command, environment, working directory: for a transport that talks to the image's server).
     */
    record Resolved(String reference, String chainId, Map<String, String> labels, long archiveModified,
            OciSpec.ImageProcess process) {
    }

    /**
     * Pulling: whether to, how long one may take, the snapshotter to unpack for, the registries reached over plain
     * HTTP beside this host's.
     */
    record Pull(boolean enabled, java.time.Duration timeout, String snapshotter, java.util.Set<String> insecure) {
    }

    /** A pull that failed fails the starts that wait for it at once, with its reason, for this long. */
    private static final long FAILURE_MEMORY_NS = 10_000_000_000L;

    private final Pull pull;
    private final dev.vireo.api.time.Clock clock;
    private final Map<String, BackendException> pullFailures = new ConcurrentHashMap<>();
    private final Map<String, Long> pullFailedAt = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.locks.ReentrantLock> locks = new ConcurrentHashMap<>();
    private final ImagesGrpc.ImagesBlockingStub images;
    private final ContentGrpc.ContentBlockingStub content;
    private final Path dir;
    private final String ctr;
    private final String socket;
    private final String namespace;
    private final Map<String, Resolved> cache = new ConcurrentHashMap<>();

    Images(ImagesGrpc.ImagesBlockingStub images, ContentGrpc.ContentBlockingStub content, Path dir, String ctr,
            String socket, String namespace, Pull pull, dev.vireo.api.time.Clock clock) {
        this.pull = pull;
        this.clock = clock;
        this.images = images;
        this.content = content;
        this.dir = dir;
        this.ctr = ctr;
        this.socket = socket;
        this.namespace = namespace;
    }

    Resolved resolve(String reference) {
        Path archive = dev.vireo.backend.support.ImageArchives.archive(dir, reference);
        long modified = modified(archive);
        Resolved known = cache.get(reference);
        if (known != null && known.archiveModified() == modified) {
            return known;
        }
        // one image at a time, each on its own: a pull (minutes, at worst) holds up no other image's start; a lock,
        // not a monitor: creations run on virtual threads
        java.util.concurrent.locks.ReentrantLock lock = locks.computeIfAbsent(reference,
                k -> new java.util.concurrent.locks.ReentrantLock());
        lock.lock();
        try {
            known = cache.get(reference);
            if (known != null && known.archiveModified() == modified) {
                return known;
            }
            if (modified > 0 && (known != null || !exists(reference))) {
                importArchive(reference, archive);
            } else if (modified == 0 && !exists(reference)) {
                var registry = dev.vireo.backend.support.ImageReferences.registry(reference);
                if (!pull.enabled() || registry.isEmpty()) {
                    throw new BackendException("image " + reference + " is not in containerd and there is no archive "
                            + archive + ": build it with ./vireo image build (see docs/containers.md)"
                            + (registry.isPresent() ? ", or set pull = true" : ", or name it with its registry"
                                    + " (host:port/name:tag) to pull it"));
                }
                pull(reference, registry.get());
            }
            Resolved r = read(reference, modified);
            cache.put(reference, r);
            return r;
        } finally {
            lock.unlock();
        }
    }

    private static long modified(Path archive) {
        try {
            return Files.exists(archive) ? Files.getLastModifiedTime(archive).toMillis() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private boolean exists(String reference) {
        try {
            images.get(GetImageRequest.newBuilder().setName(reference).build());
            return true;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return false;
            }
            throw new BackendException("containerd cannot look up image " + reference + ": " + e.getStatus());
        }
    }

    /**
     * Pulls and unpacks {@code reference} with ctr (containerd 1.6 has no server-side pull), within the pull timeout;
     * a failure is remembered for a while so the starts waiting behind it fail at once with its reason.
     */
    private void pull(String reference, String registry) {
        BackendException failed = pullFailures.get(reference);
        if (failed != null && clock.nanoTime() - pullFailedAt.getOrDefault(reference, 0L) < FAILURE_MEMORY_NS) {
            throw failed;
        }
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", socket, "--namespace", namespace, "images",
                "pull", "--snapshotter", pull.snapshotter()));
        if (dev.vireo.backend.support.ImageReferences.plainHttp(registry, pull.insecure())) {
            cmd.add("--plain-http");
        }
        cmd.add("--"); // the reference is checked (it starts with a letter or digit): this only guards the argument list
        cmd.add(reference);
        try {
            Processes.run(cmd, Math.max(1, pull.timeout().toSeconds()));
            if (!exists(reference)) {
                throw new IOException("ctr pulled nothing named " + reference);
            }
            pullFailures.remove(reference);
        } catch (IOException e) {
            BackendException error = new BackendException("pulling " + reference + " failed: " + e.getMessage(), e);
            if (!Thread.currentThread().isInterrupted()) { // a stop, not the registry's answer: not remembered
                pullFailures.put(reference, error);
                pullFailedAt.put(reference, clock.nanoTime());
            }
            throw error;
        }
    }

    private void importArchive(String reference, Path archive) {
        try {
            Processes.run(List.of(ctr, "--address", socket, "--namespace", namespace, "images", "import",
                    archive.toString()), 120);
        } catch (IOException e) {
            throw new BackendException("importing " + archive + " into containerd failed: " + e.getMessage(), e);
        }
        if (!exists(reference)) {
            throw new BackendException(archive + " does not hold an image named " + reference);
        }
    }

    private Resolved read(String reference, long modified) {
        var target = images.get(GetImageRequest.newBuilder().setName(reference).build()).getImage().getTarget();
        JsonObject manifest = json(target.getDigest());
        if (manifest.has("manifests")) { // an index: take the linux/amd64 manifest
            String digest = null;
            for (JsonElement m : manifest.getAsJsonArray("manifests")) {
                JsonObject platform = m.getAsJsonObject().getAsJsonObject("platform");
                if (platform == null || ("linux".equals(platform.get("os").getAsString())
                        && "amd64".equals(platform.get("architecture").getAsString()))) {
                    digest = m.getAsJsonObject().get("digest").getAsString();
                    break;
                }
            }
            if (digest == null) {
                throw new BackendException("image " + reference + " has no linux/amd64 manifest");
            }
            manifest = json(digest);
        }
        JsonObject config = json(manifest.getAsJsonObject("config").get("digest").getAsString());
        JsonArray diffIds = config.getAsJsonObject("rootfs").getAsJsonArray("diff_ids");
        List<String> diffs = new ArrayList<>();
        diffIds.forEach(d -> diffs.add(d.getAsString()));
        Map<String, String> labels = new HashMap<>();
        JsonObject c = config.getAsJsonObject("config");
        if (c != null && c.has("Labels") && c.get("Labels").isJsonObject()) {
            c.getAsJsonObject("Labels").entrySet().forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
        }
        List<String> args = new ArrayList<>(strings(c, "Entrypoint"));
        args.addAll(strings(c, "Cmd"));
        String cwd = c != null && c.has("WorkingDir") && c.get("WorkingDir").isJsonPrimitive()
                ? c.get("WorkingDir").getAsString() : "";
        return new Resolved(reference, chainId(diffs), Map.copyOf(labels), modified,
                new OciSpec.ImageProcess(args, strings(c, "Env"), cwd));
    }

    /** A list of strings in an image config ({@code Entrypoint}, {@code Cmd}, {@code Env}); absent or null: none. */
    private static List<String> strings(JsonObject config, String key) {
        List<String> out = new ArrayList<>();
        if (config != null && config.has(key) && config.get(key).isJsonArray()) {
            config.getAsJsonArray(key).forEach(e -> out.add(e.getAsString()));
        }
        return out;
    }

    static String chainId(List<String> diffIds) {
        if (diffIds.isEmpty()) {
            throw new BackendException("the image has no layers");
        }
        String chain = diffIds.get(0);
        for (int i = 1; i < diffIds.size(); i++) {
            chain = "sha256:" + sha256(chain + " " + diffIds.get(i));
        }
        return chain;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonObject json(String digest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        content.read(ReadContentRequest.newBuilder().setDigest(digest).build())
                .forEachRemaining(r -> out.writeBytes(r.getData().toByteArray()));
        return JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    }
}
