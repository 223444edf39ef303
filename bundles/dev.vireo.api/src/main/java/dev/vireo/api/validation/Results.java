package dev.vireo.api.validation;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import java.util.Optional;

/**
 * A function's result on its way back to a client: passed on as the exact text the function returned when it is
 * strict JSON ({@link JsonText#check}), else the invocation fails as a {@link ErrorKind#USER_ERROR} naming what is
 * wrong, rather than reaching the client changed (NaN turned into a string, a lone surrogate into '?'). Pure.
 */
public final class Results {
    private Results() {
    }

    /** {@code r} itself when its result may be returned as is (or it failed anyway), else {@code r} as a failure. */
    public static InvocationRecord checked(InvocationRecord r) {
        if (!r.success() || r.result().isEmpty()) {
            return r;
        }
        try {
            JsonText.check("result", r.result());
            return r;
        } catch (ValidationException e) {
            return new InvocationRecord(r.tid(), r.functionId(), r.worker(), r.backend(), r.state(), r.arrival(),
                    r.timings(), "", Optional.of(InvocationError.of(ErrorKind.USER_ERROR, "the function returned a"
                            + " result that cannot be passed on unchanged: " + e.getMessage())), r.routing(), r.output());
        }
    }
}
