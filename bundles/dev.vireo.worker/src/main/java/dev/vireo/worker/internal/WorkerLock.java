package dev.vireo.worker.internal;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker's one lock. It guards, together, everything that decides whether and where an invocation runs:
 * <ul>
 * <li>the admission queue ({@link AdmissionQueue}: the queue policy's queue, the waiting invocations, their
 * sequence, whether the worker is closed);</li>
 * <li>the container pool ({@link ContainerPool} and the mutable state of each {@link ContainerPool.Container}:
 * {@code inUse}, {@code uses}, {@code lastUsedNanos}, {@code idleChannels}, {@code prewarmed}, {@code retired}) and
 * the keep-alive policy's index over it;</li>
 * <li>the count of running invocations ({@link InvocationRunner}).</li>
 * </ul>
 * One lock rather than one per part, because the decisions span the parts: dispatch takes an invocation slot, a warm
 * container and the queue's head in one step; unregistering retires the registration's pooled containers and cancels
 * its queued invocations in one step; and a container that finished starting is pooled only if its registration is
 * still current, which is checked under this lock. {@link FunctionTable} is not guarded by it (it is thread-safe), but
 * unregistering removes the registration from the table before it takes this lock, so a container or an invocation
 * that checks its registration under this lock either sees it gone or is swept by the unregistration.
 *
 * <p>Resource trackers and the policies' queue and index are called under it. Backends, the transports' bind, open
 * and invoke, and callers' futures never are, except that a prewarm starts its creations under it (a backend's
 * create only returns a stage) and a broken container's channel is closed under it. Work found under the lock is
 * collected and run after it is released. Reentrant, so a completion that runs synchronously inside a locked section
 * may take it again.
 */
final class WorkerLock {
    private final ReentrantLock lock = new ReentrantLock();

    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** For methods that must be called under the lock: {@code assert lock.held();}. */
    boolean held() {
        return lock.isHeldByCurrentThread();
    }
}
