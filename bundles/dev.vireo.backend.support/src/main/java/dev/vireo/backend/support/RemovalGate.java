package dev.vireo.backend.support;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One removal per container at a time: a second caller (the worker's shutdown and the backend's own, a reclaim and a
 * destroy) waits for the first, because two removals of one container at once can leave its shim and agent running.
 */
public final class RemovalGate {
    private final Map<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

    public void remove(String id, Runnable removal) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> other = running.putIfAbsent(id, mine);
        if (other != null) {
            other.join();
            return;
        }
        try {
            removal.run();
        } finally {
            running.remove(id);
            mine.complete(null);
        }
    }
}
