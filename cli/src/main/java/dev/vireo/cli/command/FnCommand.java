package dev.vireo.cli.command;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vireo fn ...}: functions on a running worker (its HTTP API). */
@Command(name = "fn", description = "Register, list, invoke and unregister functions on a running worker.",
        subcommands = {FnCommand.Register.class, FnCommand.Update.class, FnCommand.ListFunctions.class, FnCommand.Invoke.class,
            FnCommand.Activations.class, FnCommand.Logs.class,
            FnCommand.InvokeAsync.class, FnCommand.Result.class, FnCommand.Prewarm.class, FnCommand.Estimate.class,
            FnCommand.Unregister.class, FnCommand.Try.class})
public final class FnCommand {
    /** The payload of an invocation. */
    static final class Payload {
        @Option(names = {"-d", "--data"}, paramLabel = "JSON", defaultValue = "", description = "the payload (JSON)")
        String data;
    }

    @Command(name = "register", description = "Register a function (from an image, or code + handler).")
    static class Register implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--function-version", paramLabel = "V", description = "the function's version (default: 1)")
        String version;

        @Option(names = "--image", paramLabel = "REF", description = "an image (sim/NAME on the simulated backend)")
        String image;

        @Option(names = "--code", paramLabel = "DIR", description = "a directory of code (with --handler)")
        Path code;

        @Option(names = "--handler", paramLabel = "MOD.FN", description = "the code's module.function")
        String handler;

        @Spec
        CommandSpec spec;

        @Option(names = "--backend", paramLabel = "B", description = "sim, process, containerd, docker")
        String backend;

        @Option(names = "--transport", paramLabel = "T", description = "sim, uds, pipe, http, openwhisk")
        String transport;

        @Option(names = "--compute", paramLabel = "cpu|gpu")
        String compute;

        @Option(names = "--memory-mb", paramLabel = "N")
        Double memoryMb;

        @Option(names = "--cpus", paramLabel = "X")
        Double cpus;

        @Option(names = "--timeout-ms", paramLabel = "N")
        Double timeoutMs;

        @Option(names = "--concurrency", paramLabel = "N")
        Double concurrency;

        @Option(names = "--scratch-mb", paramLabel = "N", description = "size of the container's /tmp (default 512)")
        Double scratchMb;

        @Option(names = "--cold-ms", paramLabel = "N", description = "expected cold start (simulated backend)")
        Double coldMs;

        @Option(names = "--warm-ms", paramLabel = "N", description = "expected warm execution (simulated backend)")
        Double warmMs;

        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "an environment variable of the function's"
                + " containers (repeatable)")
        java.util.Map<String, String> env;

        @Option(names = "--secret", paramLabel = "NAME=VALUE", description = "a secret: a variable whose value the API"
                + " never shows (repeatable)")
        java.util.Map<String, String> secrets;

        @Option(names = "--secret-env", paramLabel = "NAME", description = "a secret whose value is this shell's"
                + " variable NAME, so that it is not on the command line (repeatable)")
        List<String> secretEnv;

        @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a default parameter merged under every"
                + " payload; VALUE is JSON if it reads as JSON, else a string (repeatable)")
        java.util.Map<String, String> params;

        @Option(names = "--parameters", paramLabel = "JSON", description = "the default parameters as one JSON object")
        String parameters;

        /** Whether this replaces the registration in place ({@code fn update}). */
        boolean update() {
            return false;
        }

        @Override
        public Integer call() throws Exception {
            JsonObject spec = new JsonObject();
            spec.addProperty("name", name);
            put(spec, "version", version);
            if (image != null && (code != null || handler != null)) {
                throw new ParameterException(this.spec.commandLine(), "--image and --code/--handler are mutually"
                        + " exclusive: a function runs an image or code");
            }
            if (image == null && (code == null || handler == null)) {
                throw new ParameterException(this.spec.commandLine(), "give --image REF, or --code DIR with --handler"
                        + " MOD.FN");
            }
            if (image != null) {
                spec.addProperty("image", image);
            } else {
                // the worker cannot know this shell's directory: send an absolute path
                spec.addProperty("code", code.toAbsolutePath().normalize().toString());
                spec.addProperty("handler", handler);
            }
            put(spec, "backend", backend);
            put(spec, "transport", transport);
            put(spec, "compute", compute);
            put(spec, "memory_mb", memoryMb);
            put(spec, "cpus", cpus);
            put(spec, "timeout_ms", timeoutMs);
            put(spec, "concurrency", concurrency);
            put(spec, "expected_cold_start_ms", coldMs);
            put(spec, "expected_warm_ms", warmMs);
            put(spec, "scratch_mb", scratchMb);
            configure(spec);
            return target.client().register(spec, update());
        }

        private static void put(JsonObject o, String field, Object value) {
            if (value instanceof Number n) {
                o.addProperty(field, n);
            } else if (value != null) {
                o.addProperty(field, value.toString());
            }
        }

        private void configure(JsonObject spec) {
            if (env != null) {
                JsonObject o = new JsonObject();
                env.forEach(o::addProperty);
                spec.add("env", o);
            }
            JsonObject secret = new JsonObject();
            if (secrets != null) {
                secrets.forEach(secret::addProperty);
            }
            for (String name : secretEnv == null ? List.<String>of() : secretEnv) {
                String value = System.getenv(name);
                if (value == null) {
                    throw new ParameterException(this.spec.commandLine(), "--secret-env " + name + ": this shell has"
                            + " no variable " + name);
                }
                secret.addProperty(name, value);
            }
            if (!secret.isEmpty()) {
                spec.add("secrets", secret);
            }
            JsonObject p = new JsonObject();
            if (parameters != null) {
                try {
                    p = com.google.gson.JsonParser.parseString(parameters).getAsJsonObject();
                } catch (RuntimeException e) {
                    throw new ParameterException(this.spec.commandLine(), "--parameters: not a JSON object: "
                            + parameters);
                }
            }
            if (params != null) {
                for (var e : params.entrySet()) {
                    p.add(e.getKey(), jsonOrString(e.getValue()));
                }
            }
            if (parameters != null || params != null) {
                spec.add("parameters", p);
            }
        }

        /** VALUE as JSON when it is a JSON value ({@code 3}, {@code true}, {@code [1]}), else as a string. */
        private static com.google.gson.JsonElement jsonOrString(String value) {
            try {
                com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(new java.io.StringReader(
                        value));
                r.setStrictness(com.google.gson.Strictness.STRICT);
                com.google.gson.JsonElement e = com.google.gson.JsonParser.parseReader(r);
                // "64,64" or "1 apple" start as JSON but are not: a string, not the JSON they start with
                return r.peek() == com.google.gson.stream.JsonToken.END_DOCUMENT ? e
                        : new com.google.gson.JsonPrimitive(value);
            } catch (RuntimeException | java.io.IOException e) {
                return new com.google.gson.JsonPrimitive(value);
            }
        }
    }

    @Command(name = "update", description = {"Replace a registered function in place, with the same options as"
        + " register (give them all: what is not given takes its default).", "Invocations that started finish on"
        + " the old code; queued and later ones run on the new, in new containers."})
    static final class Update extends Register {
        @Override
        boolean update() {
            return true;
        }
    }

    @Command(name = "list", description = "The registered functions.")
    static final class ListFunctions implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            return target.client().list();
        }
    }

    @Command(name = "invoke", description = "Invoke a function and wait for its result.")
    static final class Invoke implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        Payload payload;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--enhanced", description = "the whole invocation record (timings, state, worker)")
        boolean enhanced;

        @Option(names = "--tid", paramLabel = "TID", description = "transaction id (default: the worker makes one)")
        String tid;

        @Override
        public Integer call() throws Exception {
            return target.client().invoke(id, payload.data, tid, enhanced);
        }
    }

    @Command(name = "estimate", description = "How long an invocation would take if sent now: the worker runs its"
            + " queue, running invocations and containers forward (a controller answers with its best worker).")
    static final class Estimate implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            return target.client().estimate(id);
        }
    }

    @Command(name = "activations", description = {"The activation log: finished invocations, newest first, with"
        + " outcome, timings and how much they wrote.", "fn logs ACTIVATION prints one's output; --json the records."})
    static final class Activations implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--function", paramLabel = "ID", description = "one function's only")
        String function;

        @Option(names = "--since", paramLabel = "INSTANT", description = "arrived at or after, ISO-8601 (2026-12-01T03:00:00Z)")
        String since;

        @Option(names = "--until", paramLabel = "INSTANT", description = "arrived before, ISO-8601")
        String until;

        @Option(names = "--status", paramLabel = "any|success|error", description = "outcome (default: any)")
        String status;

        @Option(names = "--limit", paramLabel = "N", description = "at most N (1-1000, default 50)")
        Integer limit;

        @Override
        public Integer call() throws Exception {
            return target.client().activations(function, since, until, status, limit);
        }
    }

    @Command(name = "logs", description = "What one activation's function wrote: its stdout here, its stderr on"
            + " stderr (--json: the whole record).")
    static final class Logs implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "ACTIVATION", description = "its transaction id (fn activations lists them)")
        String tid;

        @Override
        public Integer call() throws Exception {
            return target.client().logs(tid);
        }
    }

    @Command(name = "invoke-async", description = "Invoke a function; prints the id to fetch the result with.")
    static final class InvokeAsync implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        Payload payload;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--tid", paramLabel = "TID", description = "transaction id (also the async id)")
        String tid;

        @Override
        public Integer call() throws Exception {
            return target.client().invokeAsync(id, payload.data, tid);
        }
    }

    @Command(name = "result", description = "The result of an asynchronous invocation.")
    static final class Result implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "ASYNC_ID")
        String id;

        @Override
        public Integer call() throws Exception {
            return target.client().result(id);
        }
    }

    @Command(name = "prewarm", description = "Start warm containers of a function.")
    static final class Prewarm implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--count", defaultValue = "1", description = "containers to start (default: ${DEFAULT-VALUE})")
        int count;

        @Override
        public Integer call() throws Exception {
            return target.client().prewarm(id, count);
        }
    }

    @Command(name = "unregister", description = "Unregister a function (its containers are retired).")
    static final class Unregister implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            return target.client().unregister(id);
        }
    }

    @Command(name = "try", description = "Invoke each function twice and tabulate state, e2e and overhead.")
    static final class Try implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        Payload payload;

        @Parameters(arity = "1..*", paramLabel = "ID")
        List<String> ids;

        @Override
        public Integer call() throws Exception {
            return target.client().tryOut(ids, payload.data);
        }
    }
}
