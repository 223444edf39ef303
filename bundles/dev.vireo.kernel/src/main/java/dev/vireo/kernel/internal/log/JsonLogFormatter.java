package dev.vireo.kernel.internal.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One JSON object per log record and line: {@code ts} (ISO-8601 UTC, ms), {@code level}, {@code logger},
 * {@code tid} when the message starts with the transaction id in brackets, as every line about an invocation or a
 * workflow task does ({@code [tid] ...}), {@code msg} (the rest), and {@code thrown} (the stack) when there is one.
 * Written here rather than with a logging library: the JDK's java.util.logging is what System.Logger uses in the
 * framework, and a formatter is these few lines.
 */
public final class JsonLogFormatter extends Formatter {
    private static final Pattern TID = Pattern.compile("^\\[([A-Za-z0-9._:~-]{1,80})\\] (.*)$", Pattern.DOTALL);

    @Override
    public String format(LogRecord r) {
        String message = formatMessage(r);
        StringBuilder out = new StringBuilder(128 + message.length());
        out.append("{\"ts\":\"").append(Instant.ofEpochMilli(r.getMillis())).append("\",\"level\":\"")
                .append(r.getLevel().getName()).append("\",\"logger\":");
        string(out, r.getLoggerName() == null ? "" : r.getLoggerName());
        Matcher m = TID.matcher(message);
        if (m.matches()) {
            out.append(",\"tid\":");
            string(out, m.group(1));
            message = m.group(2);
        }
        out.append(",\"msg\":");
        string(out, message);
        if (r.getThrown() != null) {
            StringWriter stack = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(stack));
            out.append(",\"thrown\":");
            string(out, stack.toString());
        }
        return out.append("}\n").toString();
    }

    /** {@code s} as a JSON string: quotes, backslashes and control characters escaped. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
