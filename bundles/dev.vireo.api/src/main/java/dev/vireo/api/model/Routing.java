package dev.vireo.api.model;

import java.util.Objects;

/**
 * The controller's part of an invocation it forwarded, in microseconds on the controller's clock.
 *
 * @param controller the controller's name
 * @param attempts   workers tried (2 when the first stopped answering and the invocation was retried)
 * @param pickUs     choosing the worker (the balancer)
 * @param forwardUs  from sending to the worker to its reply, as the controller saw it (includes the worker's e2e)
 * @param e2eUs      end to end inside the controller, from arrival to reply
 */
public record Routing(String controller, int attempts, long pickUs, long forwardUs, long e2eUs) {
    public Routing {
        Objects.requireNonNull(controller, "controller");
        if (attempts < 1 || pickUs < 0 || forwardUs < 0 || e2eUs < 0) {
            throw new ValidationException("routing", "attempts must be >= 1 and durations >= 0");
        }
    }
}
