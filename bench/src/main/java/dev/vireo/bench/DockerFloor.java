package dev.vireo.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The raw docker floor: create + start + agent-ready of a copy of the worker's container, without the worker. */
final class DockerFloor implements AutoCloseable {
    private final DockerClient docker;

    DockerFloor(Path socket) {
        var cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + socket).build();
        docker = DockerClientImpl.getInstance(cfg, new ZerodepDockerHttpClient.Builder().dockerHost(cfg.getDockerHost())
                .build());
    }

    /** The full id of the worker's container whose name contains {@code part}. */
    String find(String part) {
        return docker.listContainersCmd().withNameFilter(List.of(part)).exec().get(0).getId();
    }

    /** The name the worker gave a container (its id in the worker, and its socket/FIFO directory's name). */
    String name(String id) {
        return docker.inspectContainerCmd(id).exec().getName().replaceFirst("^/", "");
    }

    /** A copy of the model with its socket directory fresh; returns create-to-ready in us and removes the copy. */
    long coldStart(String modelId, Path sockets, String id) throws Exception {
        InspectContainerResponse model = docker.inspectContainerCmd(modelId).exec();
        Path socketDir = Files.createDirectories(sockets.resolve(id));
        Files.setAttribute(socketDir, "unix:uid", 65534);
        Files.setAttribute(socketDir, "unix:gid", 65534);
        HostConfig host = model.getHostConfig();
        List<Bind> binds = new ArrayList<>();
        for (Bind b : host.getBinds()) {
            binds.add(b.getVolume().getPath().equals("/run/vireo") ? new Bind(socketDir.toString(), b.getVolume(),
                    b.getAccessMode()) : b);
        }
        host.withBinds(binds);
        long t0 = System.nanoTime();
        docker.createContainerCmd(model.getConfig().getImage()).withName(id).withEnv(model.getConfig().getEnv())
                .withUser(model.getConfig().getUser()).withWorkingDir(model.getConfig().getWorkingDir())
                .withCmd(model.getConfig().getCmd()).withHostConfig(host).exec();
        docker.startContainerCmd(id).exec();
        ContainerdBench.awaitReady(socketDir.resolve("agent.sock"));
        long us = (System.nanoTime() - t0) / 1_000;
        docker.removeContainerCmd(id).withForce(true).exec();
        return us;
    }

    /** The address of eth0 in the container's network namespace (the http transport's). */
    String address(String containerId) throws IOException, InterruptedException {
        long pid = docker.inspectContainerCmd(containerId).exec().getState().getPidLong();
        Process p = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-n", "ip", "-4", "-o", "addr", "show", "eth0")
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.replaceAll("(?s).*inet ([0-9.]+)/.*", "$1").trim();
    }

    @Override
    public void close() throws IOException {
        docker.close();
    }
}
