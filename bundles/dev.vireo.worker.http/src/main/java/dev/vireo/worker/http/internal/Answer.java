package dev.vireo.worker.http.internal;

import com.google.gson.JsonElement;
import java.util.Map;

/** An answer's status, its body text exactly as sent, and headers. */
record Answer(int status, String text, Map<String, String> headers) {
    Answer(int status, JsonElement body) {
        this(status, body, Map.of());
    }

    Answer(int status, JsonElement body, Map<String, String> headers) {
        this(status, body.toString() + "\n", headers);
    }
}
