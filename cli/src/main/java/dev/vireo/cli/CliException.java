package dev.vireo.cli;

/**
 * A failure the CLI reports as one line and an exit code: 1 failure, 2 bad usage, 3 nothing running / nothing
 * answers, 4 build failed, 5 already running.
 */
public final class CliException extends RuntimeException {
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int NOT_RUNNING = 3;
    public static final int BUILD_FAILED = 4;
    public static final int ALREADY_RUNNING = 5;

    private final int code;

    public CliException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
