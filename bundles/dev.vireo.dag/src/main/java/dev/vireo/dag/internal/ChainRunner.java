package dev.vireo.dag.internal;

import com.google.gson.JsonElement;
import dev.vireo.api.dag.ChainLink;
import dev.vireo.api.dag.ChainStep;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.validation.Results;
import dev.vireo.api.worker.WorkerService;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.IntSupplier;

/**
 * The peer's side of sub-graphs inline ({@link dev.vireo.api.dag.DagService#runChain}): runs a chain of a run's tasks
 * on this node's own worker, one after the other, each later link's payload built here from the outputs of the earlier
 * links, and answers with one step per link. Nothing is stored here: the run's home settles every link from the
 * answer. Outputs the home did not ask for stay here, each dropped once no later link reads it. Stateless between
 * requests; each chain's state is confined to its invocations' callbacks, one at a time.
 */
final class ChainRunner {
    /** The most links one request may carry. */
    static final int MAX_LINKS = 64;
    /** The most output text one answer carries back (gRPC's inbound limit is 64 MiB): the chain stops before. */
    static final long MAX_RETURNED_CHARS = 32L << 20;

    private final WorkerService worker;
    private final IntSupplier maxOutputBytes;

    ChainRunner(WorkerService worker, IntSupplier maxOutputBytes) {
        this.worker = worker;
        this.maxOutputBytes = maxOutputBytes;
    }

    /**
     * Checks the request (nothing runs when it is wrong), then runs it; {@code callerLimit}: the caller's
     * {@code max.output.bytes} (0: this node's).
     */
    CompletionStage<List<ChainStep>> run(List<ChainLink> links, String payload, int callerLimit) {
        List<JsonElement> args = check(links);
        String first = payload == null || payload.isBlank() ? "" : JsonText.check("payload", payload);
        int own = maxOutputBytes.getAsInt();
        int limit = callerLimit > 0 ? Math.min(callerLimit, own) : own;
        CompletableFuture<List<ChainStep>> done = new CompletableFuture<>();
        new Chain(links, args, limit, done).invoke(0, first);
        return done;
    }

    /** The links' args, parsed; a ValidationException on {@code links} naming what is wrong. */
    static List<JsonElement> check(List<ChainLink> links) {
        if (links == null || links.isEmpty() || links.size() > MAX_LINKS) {
            throw new ValidationException("links", "a chain has 1 to " + MAX_LINKS + " links, not "
                    + (links == null ? 0 : links.size()));
        }
        Set<String> earlier = new HashSet<>();
        List<JsonElement> args = new ArrayList<>(links.size());
        for (int i = 0; i < links.size(); i++) {
            ChainLink l = links.get(i);
            String at = "link " + i + (l.task().isEmpty() ? "" : " ('" + l.task() + "')");
            if (l.task().isBlank() || l.functionId().isBlank()) {
                throw new ValidationException("links", at + " needs a task and a function");
            }
            if (!Invocation.TID.matcher(l.tid()).matches()) {
                throw new ValidationException("links", at + ": tid '" + l.tid() + "' is not 1-64 letters, digits,"
                        + " '.', '_', ':' or '-'");
            }
            if (!earlier.add(l.task())) {
                throw new ValidationException("links", at + " repeats task '" + l.task() + "'");
            }
            if (i == 0 && !l.inputs().isEmpty()) {
                throw new ValidationException("links", at + " reads " + l.inputs() + ": the first link's payload"
                        + " comes with the request");
            }
            for (String in : l.inputs()) {
                if (in.equals(l.task()) || !earlier.contains(in)) {
                    throw new ValidationException("links", at + " reads '" + in + "', which is not an earlier link");
                }
            }
            JsonElement parsed;
            try {
                parsed = Payloads.parse(l.args().isBlank() ? "{}" : JsonText.check("links", l.args()));
            } catch (ValidationException e) {
                throw new ValidationException("links", at + ": args are not JSON: " + e.getMessage());
            }
            if (i > 0) {
                Set<String> refs = new java.util.LinkedHashSet<>();
                Payloads.refs(parsed, refs);
                refs.removeAll(l.inputs());
                if (!refs.isEmpty()) {
                    throw new ValidationException("links", at + " references " + refs + ", which it does not read");
                }
            }
            args.add(parsed);
        }
        return args;
    }

    /** One chain going on: the outputs made so far that a later link reads, by task, and the steps to answer with. */
    private final class Chain {
        final List<ChainLink> links;
        final List<JsonElement> args;
        final int limit;
        final CompletableFuture<List<ChainStep>> done;
        final Map<String, String> outputs = new HashMap<>();
        final List<ChainStep> steps = new ArrayList<>();
        /** Output text in the answer so far. */
        long returned;

        Chain(List<ChainLink> links, List<JsonElement> args, int limit, CompletableFuture<List<ChainStep>> done) {
            this.links = links;
            this.args = args;
            this.limit = limit;
            this.done = done;
        }

        void invoke(int i, String payload) {
            if (done.isDone()) {
                return; // cancelled: the caller went away, nothing more runs
            }
            ChainLink l = links.get(i);
            CompletionStage<InvocationRecord> stage;
            try {
                stage = worker.invoke(l.tid(), l.functionId(), payload);
            } catch (RuntimeException e) {
                stopped(i, e);
                return;
            }
            stage.whenComplete((r, e) -> {
                try {
                    if (e != null) {
                        stopped(i, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
                    } else {
                        ended(i, Results.checked(r));
                    }
                } catch (RuntimeException | Error bug) {
                    done.completeExceptionally(bug); // nothing else would see it: the home runs the links itself
                }
            });
        }

        void ended(int i, InvocationRecord r) {
            ChainLink l = links.get(i);
            if (!r.success()) {
                steps.add(new ChainStep(l.task(), r, true, 0));
                answer(i); // the home retries it (or fails it) from here
                return;
            }
            String output = r.result().isEmpty() ? "null" : r.result();
            long bytes = output.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > limit) {
                // failed as the home fails it itself (TaskRunner.succeed), without shipping the text
                steps.add(new ChainStep(l.task(), new InvocationRecord(r.tid(), r.functionId(), r.worker(),
                        r.backend(), r.state(), r.arrival(), r.timings(), "", Optional.of(InvocationError.of(
                                ErrorKind.USER_ERROR, "task '" + l.task() + "' returned " + bytes + " bytes, more than"
                                        + " max.output.bytes " + limit)), r.routing(), r.output()), true, bytes));
                answer(i);
                return;
            }
            if (l.returned() && returned + output.length() > MAX_RETURNED_CHARS) {
                answer(i); // the answer would grow too large: the home runs this link and what follows itself
                return;
            }
            if (l.returned()) {
                returned += output.length();
            }
            steps.add(new ChainStep(l.task(), l.returned() ? r : with(r, ""), l.returned(), bytes));
            // what it read and no later link reads is not kept any longer; its own output is, if a later link reads it
            l.inputs().stream().filter(t -> !readLater(i, t)).toList().forEach(outputs::remove);
            if (readLater(i, l.task())) {
                outputs.put(l.task(), output);
            }
            if (i + 1 == links.size()) {
                answer(links.size());
                return;
            }
            ChainLink next = links.get(i + 1);
            Map<String, JsonElement> in = new LinkedHashMap<>();
            for (String t : next.inputs()) {
                in.put(t, Payloads.parse(outputs.get(t)));
            }
            invoke(i + 1, Payloads.build(args.get(i + 1), in, null));
        }

        /** Whether a link after {@code i} reads {@code task}'s output. */
        private boolean readLater(int i, String task) {
            for (int j = i + 1; j < links.size(); j++) {
                if (links.get(j).inputs().contains(task)) {
                    return true;
                }
            }
            return false;
        }

        /** Link i could not be invoked: the first one fails the request (the home runs it), a later one ends it. */
        void stopped(int i, Throwable cause) {
            if (i == 0) {
                done.completeExceptionally(cause);
            } else {
                answer(i);
            }
        }

        /**
         * Answers with the steps so far. The links from {@code from} on are the home's to run (or to fail, or to
         * retry): the outputs they read are returned, so that it can build their payloads.
         */
        void answer(int from) {
            Set<String> needed = new HashSet<>();
            for (int j = from; j < links.size(); j++) {
                needed.addAll(links.get(j).inputs());
            }
            List<ChainStep> out = new ArrayList<>(steps.size());
            for (ChainStep s : steps) {
                out.add(!s.returned() && needed.contains(s.task())
                        ? new ChainStep(s.task(), with(s.record(), outputs.get(s.task())), true, s.outputBytes())
                        : s);
            }
            done.complete(List.copyOf(out));
        }
    }

    private static InvocationRecord with(InvocationRecord r, String result) {
        return new InvocationRecord(r.tid(), r.functionId(), r.worker(), r.backend(), r.state(), r.arrival(),
                r.timings(), result, r.error(), r.routing(), r.output());
    }
}
