package dev.vireo.controller.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerException;
import java.util.concurrent.CompletionException;

/** A failed call to a worker as the {@link WorkerException} the controller answers with. */
final class Failures {
    private Failures() {
    }

    static WorkerException cause(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof WorkerException w) {
            return w;
        }
        if (c instanceof ValidationException v) {
            return new WorkerException(ErrorKind.INVALID_REQUEST, v.getMessage());
        }
        return new WorkerException(ErrorKind.INTERNAL, String.valueOf(c));
    }
}
