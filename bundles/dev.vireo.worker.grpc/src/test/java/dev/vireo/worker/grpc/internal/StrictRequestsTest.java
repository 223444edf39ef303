package dev.vireo.worker.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The pass-through request marshaller reads every byte whatever the stream says it has left. */
class StrictRequestsTest {
    /** A stream over {@code bytes} whose available() says {@code says}, whatever is left. */
    private static InputStream saying(byte[] bytes, int says) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int available() {
                return says;
            }
        };
    }

    @Test
    void exactUnderAndOverReportedLengthsAllReadTheWholeRequest() {
        byte[] request = new byte[40_000]; // larger than one readNBytes chunk
        for (int i = 0; i < request.length; i++) {
            request[i] = (byte) (i * 31);
        }
        assertArrayEquals(request, StrictRequests.BYTES.parse(new ByteArrayInputStream(request)), "exact (known length)");
        assertArrayEquals(request, StrictRequests.BYTES.parse(saying(request, 0)), "says nothing");
        assertArrayEquals(request, StrictRequests.BYTES.parse(saying(request, 1)), "says 1 (as gzip streams do)");
        assertArrayEquals(request, StrictRequests.BYTES.parse(saying(request, 100_000)), "says more than there is");
        assertArrayEquals(new byte[0], StrictRequests.BYTES.parse(new ByteArrayInputStream(new byte[0])), "empty");
    }
}
