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
        dev.vireo.api.validation.JsonText.quote(r.getLoggerName() == null ? "" : r.getLoggerName(), out);
        Matcher m = TID.matcher(message);
        if (m.matches()) {
            out.append(",\"tid\":");
            dev.vireo.api.validation.JsonText.quote(m.group(1), out);
            message = m.group(2);
        }
        out.append(",\"msg\":");
        dev.vireo.api.validation.JsonText.quote(message, out);
        if (r.getThrown() != null) {
            StringWriter stack = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(stack));
            out.append(",\"thrown\":");
            dev.vireo.api.validation.JsonText.quote(stack.toString(), out);
        }
        return out.append("}\n").toString();
    }

}
