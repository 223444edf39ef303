package dev.vireo.probe.rqlat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ValidationException;
import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RqlatOptionsTest {
    static RqlatConfig config(boolean enabled, String pinDir, long timeoutMs) {
        return new RqlatConfig() {
            public boolean enabled() {
                return enabled;
            }

            public String pin_dir() {
                return pinDir;
            }

            public long start_timeout_ms() {
                return timeoutMs;
            }

            public Class<? extends Annotation> annotationType() {
                return RqlatConfig.class;
            }
        };
    }

    @Test
    void theDefaultPinDirectoryIsTheWorkersOwnUnderSysFsBpf() {
        RqlatOptions o = RqlatOptions.of(config(true, "", 10_000), "worker-7");
        assertEquals(Path.of("/sys/fs/bpf/vireo/worker-7/rqlat"), o.pinDir());
        assertTrue(o.defaultPins());
        assertEquals(Duration.ofSeconds(10), o.startTimeout());
    }

    @Test
    void aConfiguredPinDirectoryIsTakenAsIsAndMustBeAbsolute() {
        RqlatOptions o = RqlatOptions.of(config(false, " /mnt/bpf/x ", 500), "w");
        assertEquals(Path.of("/mnt/bpf/x"), o.pinDir());
        assertFalse(o.defaultPins());
        assertFalse(o.enabled());
        ValidationException e = assertThrows(ValidationException.class,
                () -> RqlatOptions.of(config(true, "bpf/x", 500), "w"));
        assertTrue(e.getMessage().contains("pin.dir"), e.getMessage());
        e = assertThrows(ValidationException.class, () -> RqlatOptions.of(config(true, "", 5), "w"));
        assertTrue(e.getMessage().contains("start.timeout.ms"), e.getMessage());
    }

    @Test
    void aDisabledProbeSaysSoWithoutTouchingTheKernel() {
        RqlatRuntime.Off off = assertThrows(RqlatRuntime.Off.class, () -> RqlatRuntime.start(
                RqlatOptions.of(config(false, "", 1_000), "w"), dev.vireo.bpf.BpfArtifacts.in(Path.of("/nonexistent"))));
        assertTrue(off.getMessage().contains("disabled"), off.getMessage());
    }

    @Test
    void missingArtifactsTurnItOffSayingHowToBuildThem() {
        RqlatRuntime.Off off = assertThrows(RqlatRuntime.Off.class, () -> RqlatRuntime.start(
                RqlatOptions.of(config(true, "/tmp/none", 1_000), "w"),
                dev.vireo.bpf.BpfArtifacts.in(Path.of("/nonexistent"))));
        // as root the artifacts are what is missing; otherwise root comes first
        assertTrue(off.getMessage().contains("not built") || off.getMessage().contains("root"), off.getMessage());
    }
}
