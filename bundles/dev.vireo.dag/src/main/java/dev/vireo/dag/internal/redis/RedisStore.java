package dev.vireo.dag.internal.redis;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.dag.internal.redis.RedisClient.Script;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Redis workflow store: every worker configured with the same server, database and key prefix shares the runs,
 * so any of them can continue a run, and a run outlives the worker that started it. Each run's keys share the prefix
 * {@code <key.prefix>{<run>}:} (the braces make them one hash slot), and {@code delete} removes that fixed set of
 * keys; {@code <key.prefix>runs} orders the runs by creation (docs/dag.md, "Stores", lists the layout).
 *
 * <p>Every operation is one round trip. Those that check and change (create, settle, release, finishTask, record,
 * finish, meta) are Lua scripts, atomic on the server; reads of several keys and delete are MULTI/EXEC.
 *
 * <p>It registers even when Redis does not answer at activation (the probe logs a warning): Redis may start later
 * or go away at any time anyway, so every call reports an unreachable server itself, as an
 * {@link IllegalStateException} naming host:port.
 *
 * <p>Thread-safe: a pool of connections, one per call in flight.
 */
@Component(service = DagStore.class, configurationPid = "vireo.dag.store.redis")
@Designate(ocd = RedisStore.Config.class)
@PluginName("redis")
@PluginDescription("workflow state in Redis, shared by the workers that use the same server and key prefix")
public final class RedisStore implements DagStore {
    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    @ObjectClassDefinition(name = "Vireo Redis workflow store",
            description = "Workflow state in a Redis server, shared by every worker configured alike.")
    public @interface Config {
        @AttributeDefinition(name = "Host", description = "The Redis server's host name or address.")
        String host() default "127.0.0.1";

        @AttributeDefinition(name = "Port", description = "The Redis server's TCP port (./vireo redis start uses 6390).", min = "1", max = "65535")
        int port() default 6390;

        @AttributeDefinition(name = "User name", description = "ACL user to AUTH as; empty = the default user (only used with a password).")
        String username() default "";

        /** Key {@code .password}: a leading dot keeps it off the service's registration (private, DS 112.5.11). */
        @AttributeDefinition(name = "Password", description = "Password to AUTH with; empty = no AUTH. The key starts with a dot so that it stays private to the component (never a service property).", type = AttributeType.PASSWORD)
        String _password() default "";

        @AttributeDefinition(name = "Database", description = "The logical database to SELECT.", min = "0")
        int database() default 0;

        @AttributeDefinition(name = "Key prefix", description = "Start of every key of the store; stores with different prefixes share nothing.")
        String key_prefix() default "vireo:dag:";

        @AttributeDefinition(name = "Connect timeout (ms)", description = "How long opening a connection may take, in milliseconds.", min = "1")
        int connect_timeout_ms() default 2000;

        @AttributeDefinition(name = "Read timeout (ms)", description = "How long the store waits for the next part of a reply, in milliseconds (also the longest wait for a free connection).", min = "1")
        int read_timeout_ms() default 10000;

        @AttributeDefinition(name = "Pool size", description = "Connections at most: the calls that can be in flight at once.", min = "1", max = "1024")
        int pool_size() default 8;
    }

    /** The keys of one run, after {@code <prefix>{<run>}:}; delete removes exactly these. */
    static final List<String> PARTS = List.of("spec", "meta", "pending", "remaining", "settled", "outputs", "records",
            "finished", "plan");

    /** Every script on a run starts so: KEYS[1] is the run's spec, there from create to delete. */
    private static final String EXISTS =
            "if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NORUN no such run') end\n";

    /** KEYS spec meta pending remaining runs seq; ARGV run spec meta remaining, then task and count pairs. */
    private static final Script CREATE = Script.of("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS run exists') end
            redis.call('SET', KEYS[1], ARGV[2])
            redis.call('SET', KEYS[2], ARGV[3])
            redis.call('SET', KEYS[4], ARGV[4])
            for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
            redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[6]), ARGV[1])
            return 1
            """);
    /** KEYS spec meta (or plan); ARGV the text. */
    private static final Script META = Script.of(EXISTS + "redis.call('SET', KEYS[2], ARGV[1]) return 1");
    /** KEYS spec settled outputs; ARGV task, 1 with an output or 0, the output. */
    private static final Script SETTLE = Script.of(EXISTS + """
            if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
            if ARGV[2] == '1' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) end
            return 1
            """);
    /** KEYS spec pending; ARGV task. */
    private static final Script RELEASE = Script.of(EXISTS + """
            if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return redis.error_reply('NOTASK no such task waiting for inputs') end
            return redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
            """);
    /** KEYS spec remaining. */
    private static final Script FINISH_TASK = Script.of(EXISTS + "return redis.call('DECR', KEYS[2])");
    /** KEYS spec records; ARGV task record. */
    private static final Script RECORD = Script.of(EXISTS + "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) return 1");
    /**
     * KEYS spec settled outputs records pending remaining; ARGV task, 1 with an output or 0, the output, the final
     * record, then the dependents. Returns {0} when the task had settled before, else {1, remaining, ready...}.
     */
    private static final Script COMPLETE = Script.of(EXISTS + """
            if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {0} end
            if ARGV[2] == '1' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) end
            redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
            local out = {1, 0}
            for i = 5, #ARGV do
              if redis.call('HEXISTS', KEYS[5], ARGV[i]) == 1 and redis.call('HINCRBY', KEYS[5], ARGV[i], -1) == 0 then
                table.insert(out, ARGV[i])
              end
            end
            out[2] = redis.call('DECR', KEYS[6])
            return out
            """);
    /** KEYS spec records settled; ARGV task record: stored only while the task has not settled. */
    private static final Script PROGRESS = Script.of(EXISTS + "if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then"
            + " return 0 end redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) return 1");
    /** KEYS spec finished; ARGV state. */
    private static final Script FINISH = Script.of(EXISTS
            + "redis.call('SET', KEYS[2], ARGV[1], 'NX') return redis.call('GET', KEYS[2])");

    private final RedisOptions options;
    private final RedisClient client;

    @Activate
    public RedisStore(Config config) {
        this(RedisOptions.of(config));
        try {
            Object pong = client.call("PING");
            if (pong instanceof Resp.Error e) {
                LOG.log(Level.WARNING, client.where() + " answers PING with '" + e.message() + "'; registered anyway,"
                        + " calls will fail until that is fixed (" + options + ")");
            } else {
                LOG.log(Level.INFO, client.where() + " answers (" + options + ")");
            }
        } catch (IllegalStateException e) {
            // not a warning: the store matters only where dag.store = redis, and Redis may well start later
            LOG.log(Level.INFO, e.getMessage() + "; registered anyway: workflow calls on this store fail until it"
                    + " answers");
        }
    }

    RedisStore(RedisOptions options) {
        this.options = options;
        this.client = new RedisClient(options);
    }

    @Deactivate
    void close() {
        client.close();
    }

    RedisClient client() {
        return client;
    }

    /** The key of one part of a run. */
    String key(String run, String part) {
        return options.keyPrefix() + "{" + run + "}:" + part;
    }

    private String runsKey() {
        return options.keyPrefix() + "runs";
    }

    private List<String> keys(String run, String... parts) {
        List<String> k = new ArrayList<>(parts.length);
        for (String p : parts) {
            k.add(key(run, p));
        }
        return k;
    }

    /** The reply if it is not an error; the store's own errors as IllegalArgumentException, others IllegalStateException. */
    private Object checked(Object reply, String run, String task) {
        if (reply instanceof Resp.Error e) {
            if (e.is("NORUN")) {
                throw new IllegalArgumentException("no run '" + run + "' in the " + client.where());
            }
            if (e.is("EXISTS")) {
                throw new IllegalArgumentException("run '" + run + "' exists in the " + client.where());
            }
            if (e.is("NOTASK")) {
                throw new IllegalArgumentException("run '" + run + "' has no task '" + task
                        + "' waiting for inputs in the " + client.where());
            }
            throw new IllegalStateException(client.where() + ": " + e.message());
        }
        return reply;
    }

    private static String text(Object bulk) {
        return bulk == null ? null : new String((byte[]) bulk, StandardCharsets.UTF_8);
    }

    private static byte[] b(String s) {
        return RedisClient.bytes(s);
    }

    @Override
    public void create(String run, String spec, String meta, Map<String, Integer> pending, int remaining) {
        List<String> args = new ArrayList<>(4 + 2 * pending.size());
        args.add(run);
        args.add(spec);
        args.add(meta);
        args.add(Integer.toString(remaining));
        pending.forEach((task, n) -> {
            args.add(task);
            args.add(Integer.toString(n));
        });
        List<String> k = keys(run, "spec", "meta", "pending", "remaining");
        k.add(runsKey());
        k.add(options.keyPrefix() + "seq");
        checked(client.eval(CREATE, k, args), run, null);
    }

    private Optional<String> get(String run, String part) {
        return Optional.ofNullable(text(checked(client.call("GET", key(run, part)), run, null)));
    }

    @Override
    public Optional<String> spec(String run) {
        return get(run, "spec");
    }

    @Override
    public Optional<String> meta(String run) {
        return get(run, "meta");
    }

    @Override
    public void meta(String run, String meta) {
        checked(client.eval(META, keys(run, "spec", "meta"), List.of(meta)), run, null);
    }

    @Override
    public void plan(String run, String plan) {
        checked(client.eval(META, keys(run, "spec", "plan"), List.of(plan)), run, null);
    }

    @Override
    public Optional<String> plan(String run) {
        return get(run, "plan");
    }

    @Override
    public boolean settle(String run, String task, String output) {
        List<String> args = output == null ? List.of(task, "0") : List.of(task, "1", output);
        return (Long) checked(client.eval(SETTLE, keys(run, "spec", "settled", "outputs"), args), run, task) == 1L;
    }

    @Override
    public Completion complete(String run, String task, String output, String record, List<String> dependents) {
        List<String> args = new ArrayList<>(4 + dependents.size());
        args.addAll(List.of(task, output == null ? "0" : "1", output == null ? "" : output, record));
        args.addAll(dependents);
        List<?> reply = (List<?>) checked(client.eval(COMPLETE, keys(run, "spec", "settled", "outputs", "records",
                "pending", "remaining"), args), run, task);
        if ((Long) reply.get(0) == 0L) {
            return new Completion(false, List.of(), -1);
        }
        List<String> ready = new ArrayList<>(reply.size() - 2);
        for (int i = 2; i < reply.size(); i++) {
            ready.add(new String((byte[]) reply.get(i), java.nio.charset.StandardCharsets.UTF_8));
        }
        return new Completion(true, ready, (Long) reply.get(1));
    }

    @Override
    public boolean settled(String run, String task) {
        return Long.valueOf(1L).equals(checked(client.call("SISMEMBER", key(run, "settled"), task), run, task));
    }

    @Override
    public long release(String run, String task) {
        return (Long) checked(client.eval(RELEASE, keys(run, "spec", "pending"), List.of(task)), run, task);
    }

    @Override
    public long finishTask(String run) {
        return (Long) checked(client.eval(FINISH_TASK, keys(run, "spec", "remaining"), List.of()), run, null);
    }

    /** Commands in one MULTI/EXEC (one round trip, atomic); the replies of the commands. */
    private List<Object> transaction(String run, List<byte[][]> commands) {
        List<byte[][]> all = new ArrayList<>(commands.size() + 2);
        all.add(new byte[][] {b("MULTI")});
        all.addAll(commands);
        all.add(new byte[][] {b("EXEC")});
        List<Object> replies = client.pipeline(all);
        for (Object r : replies) {
            checked(r, run, null);
        }
        @SuppressWarnings("unchecked")
        List<Object> exec = (List<Object>) replies.getLast();
        if (exec == null) {
            throw new IllegalStateException(client.where() + ": transaction aborted");
        }
        for (Object r : exec) {
            checked(r, run, null);
        }
        return exec;
    }

    private void requireRun(long exists, String run) {
        if (exists == 0) {
            throw new IllegalArgumentException("no run '" + run + "' in the " + client.where());
        }
    }

    @Override
    public Map<String, String> outputs(String run, Collection<String> tasks) {
        List<String> asked = List.copyOf(tasks);
        List<byte[][]> cmds = new ArrayList<>(2);
        cmds.add(new byte[][] {b("EXISTS"), b(key(run, "spec"))});
        if (!asked.isEmpty()) {
            byte[][] hmget = new byte[2 + asked.size()][];
            hmget[0] = b("HMGET");
            hmget[1] = b(key(run, "outputs"));
            for (int i = 0; i < asked.size(); i++) {
                hmget[2 + i] = b(asked.get(i));
            }
            cmds.add(hmget);
        }
        List<Object> exec = transaction(run, cmds);
        requireRun((Long) exec.get(0), run);
        Map<String, String> out = new LinkedHashMap<>();
        if (!asked.isEmpty()) {
            List<?> values = (List<?>) exec.get(1);
            for (int i = 0; i < asked.size(); i++) {
                if (values.get(i) != null) {
                    out.put(asked.get(i), text(values.get(i)));
                }
            }
        }
        return out;
    }

    @Override
    public void dropOutputs(String run, Collection<String> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        byte[][] hdel = new byte[2 + tasks.size()][];
        hdel[0] = b("HDEL");
        hdel[1] = b(key(run, "outputs"));
        int i = 2;
        for (String t : tasks) {
            hdel[i++] = b(t);
        }
        checked(client.pipeline(List.<byte[][]>of(hdel)).getFirst(), run, null);
    }

    @Override
    public void record(String run, String task, String record) {
        checked(client.eval(RECORD, keys(run, "spec", "records"), List.of(task, record)), run, task);
    }

    @Override
    public boolean progress(String run, String task, String record) {
        return (Long) checked(client.eval(PROGRESS, keys(run, "spec", "records", "settled"), List.of(task, record)), run,
                task) == 1L;
    }

    @Override
    public Map<String, String> records(String run) {
        List<Object> exec = transaction(run, List.of(new byte[][] {b("EXISTS"), b(key(run, "spec"))},
                new byte[][] {b("HGETALL"), b(key(run, "records"))}));
        requireRun((Long) exec.get(0), run);
        List<?> flat = (List<?>) exec.get(1);
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(text(flat.get(i)), text(flat.get(i + 1)));
        }
        return Map.copyOf(out);
    }

    @Override
    public String finish(String run, String state) {
        return text(checked(client.eval(FINISH, keys(run, "spec", "finished"), List.of(state)), run, null));
    }

    @Override
    public Optional<String> finished(String run) {
        return get(run, "finished");
    }

    @Override
    public List<String> runs() {
        Object reply = checked(client.call("ZREVRANGE", runsKey(), "0", "-1"), null, null);
        return ((List<?>) reply).stream().map(RedisStore::text).toList();
    }

    @Override
    public void delete(String run) {
        byte[][] del = new byte[1 + PARTS.size()][];
        del[0] = b("DEL");
        for (int i = 0; i < PARTS.size(); i++) {
            del[1 + i] = b(key(run, PARTS.get(i)));
        }
        transaction(run, List.of(del, new byte[][] {b("ZREM"), b(runsKey()), b(run)}));
    }

    /** Every node using the same server, database and prefix sees the runs. */
    @Override
    public boolean shared() {
        return true;
    }
}
