package dev.vireo.dag.internal.redis;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small Redis client: up to {@code pool.size} connections ({@link Resp}), each lent to one caller for one exchange
 * (a command, a pipeline, a script), opened when first needed (AUTH and SELECT on opening). A connection that fails
 * is closed, and so are the idle ones (a restarted or unreachable server breaks them all); the call fails with an
 * {@link IllegalStateException} that names host:port. Nothing is retried here: a command whose reply was lost may
 * have run, and a counter must not be decremented twice.
 *
 * <p>Scripts go as EVALSHA, and as EVAL (which caches them again) when the server answers NOSCRIPT.
 *
 * <p>Thread-safe.
 */
final class RedisClient implements AutoCloseable {
    /** A Lua script and its SHA-1, the name EVALSHA calls it by. */
    record Script(String body, byte[] sha) {
        static Script of(String body) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
                return new Script(body, HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no SHA-1 in this JDK", e);
            }
        }
    }

    /** What one caller does with a connection it holds. */
    @FunctionalInterface
    interface Exchange<T> {
        T on(Resp connection) throws IOException;
    }

    private static final byte[] EVALSHA = bytes("EVALSHA");
    private static final byte[] EVAL = bytes("EVAL");

    private final RedisOptions options;
    private final BlockingQueue<Resp> idle;
    private final Semaphore lent;
    private volatile boolean closed;

    RedisClient(RedisOptions options) {
        this.options = options;
        this.idle = new ArrayBlockingQueue<>(options.poolSize());
        this.lent = new Semaphore(options.poolSize());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** "redis store at host:port", the start of every message. */
    String where() {
        return "redis store at " + options.host() + ":" + options.port();
    }

    /** One command, its reply (an error reply is returned as {@link Resp.Error}). */
    Object call(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            b[i] = bytes(args[i]);
        }
        return exchange(c -> c.call(b));
    }

    /** Commands in one round trip, their replies in order. */
    List<Object> pipeline(List<byte[][]> commands) {
        return exchange(c -> c.pipeline(commands));
    }

    /** Runs the script with these keys and arguments (atomic on the server); its reply. */
    Object eval(Script script, List<String> keys, List<String> args) {
        byte[][] cmd = new byte[3 + keys.size() + args.size()][];
        cmd[0] = EVALSHA;
        cmd[1] = script.sha();
        cmd[2] = bytes(Integer.toString(keys.size()));
        int i = 3;
        for (String k : keys) {
            cmd[i++] = bytes(k);
        }
        for (String a : args) {
            cmd[i++] = a == null ? new byte[0] : bytes(a);
        }
        return exchange(c -> {
            Object reply = c.call(cmd);
            if (reply instanceof Resp.Error e && e.is("NOSCRIPT")) {
                cmd[0] = EVAL;
                cmd[1] = bytes(script.body());
                reply = c.call(cmd);
            }
            return reply;
        });
    }

    /** Lends a connection for one exchange: waits up to read.timeout.ms for one when all are lent. */
    <T> T exchange(Exchange<T> x) {
        if (closed) {
            throw new IllegalStateException(where() + ": the store is closed");
        }
        try {
            if (!lent.tryAcquire(options.readTimeoutMs(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(where() + ": all " + options.poolSize() + " connections (pool.size)"
                        + " stayed busy for " + options.readTimeoutMs() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(where() + ": interrupted while waiting for a connection", e);
        }
        Resp c = idle.poll();
        boolean connecting = c == null;
        try {
            if (c == null) {
                c = open();
                connecting = false;
            }
            T result = x.on(c);
            if (closed || !idle.offer(c)) {
                c.close();
            }
            return result;
        } catch (IOException e) {
            if (c != null) {
                c.close();
            }
            closeIdle();
            throw new IllegalStateException(where() + ": " + describe(e, connecting), e);
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            throw e;
        } finally {
            lent.release();
        }
    }

    private String describe(IOException e, boolean connecting) {
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SocketTimeoutException) {
            return connecting ? "cannot connect within connect.timeout.ms = " + options.connectTimeoutMs() + " ms"
                    : "no reply within read.timeout.ms = " + options.readTimeoutMs() + " ms";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + what;
        }
        return connecting ? "cannot connect: " + what + " (is a redis-server listening there? ./vireo redis start"
                + " starts one on port 6390)" : "connection broken: " + what;
    }

    /** A new connection, authenticated and on the configured database. */
    private Resp open() throws IOException {
        Resp c = Resp.connect(options.host(), options.port(), options.connectTimeoutMs(), options.readTimeoutMs());
        try {
            if (!options.password().isEmpty()) {
                Object r = options.username().isEmpty() ? c.call(bytes("AUTH"), bytes(options.password()))
                        : c.call(bytes("AUTH"), bytes(options.username()), bytes(options.password()));
                if (r instanceof Resp.Error e) {
                    throw new IllegalStateException(where() + ": AUTH refused: " + e.message());
                }
            }
            if (options.database() != 0) {
                Object r = c.call(bytes("SELECT"), bytes(Integer.toString(options.database())));
                if (r instanceof Resp.Error e) {
                    throw new IllegalStateException(where() + ": SELECT " + options.database() + " refused: "
                            + e.message());
                }
            }
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void closeIdle() {
        Resp c;
        while ((c = idle.poll()) != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeIdle();
    }
}
