package dev.vireo.worker.internal;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What registration checks of a function's code directory before it answers, so that what registers can run: the
 * directory exists and lies inside one of the allowed code roots once every link and {@code ..} is resolved (a client
 * cannot have {@code /etc} mounted into a container), the handler's module is a file in it, and that file defines the
 * handler's function.
 *
 * <p>The function check reads the module's source, it does not run it: a definition ({@code def}, {@code async def},
 * {@code class}), an assignment at any indentation, or an import that binds the name counts. A function bound in a
 * way no line shows (through {@code globals()}, say) is refused: bind it by name. Stateless and thread-safe.
 */
final class CodeCheck {
    /** Larger modules are not searched for the function (the check would be slow); they pass if they exist. */
    static final long MAX_SEARCHED_BYTES = 8L * 1024 * 1024;

    private final List<Path> roots;

    /** @param roots the allowed roots, absolute; those that do not exist on this host are dropped */
    CodeCheck(List<Path> roots) {
        List<Path> real = new ArrayList<>();
        for (Path root : roots) {
            try {
                real.add(root.toRealPath());
            } catch (IOException e) {
                // a root this host does not have allows nothing
            }
        }
        this.roots = List.copyOf(real);
    }

    /** Refuses, as a {@link ValidationException} naming the field (code or handler), a code directory that could not run. */
    void check(FunctionSpec spec) {
        if (spec.codeDir().isEmpty()) {
            return; // code in the image: the backend checks the image when it starts it
        }
        Path dir = directory(spec.codeDir());
        Path module = module(dir, spec.handler());
        String function = spec.handler().substring(spec.handler().lastIndexOf('.') + 1);
        if (!defines(module, function)) {
            throw invalid("handler", "'" + spec.handler() + "': " + dir.relativize(module) + " in " + dir
                    + " does not define '" + function + "' (no def, class, assignment or import binds it)");
        }
    }

    private Path directory(String given) {
        Path real;
        try {
            real = Path.of(given).toRealPath();
        } catch (NoSuchFileException e) {
            throw invalid("code", "directory '" + given + "' does not exist on worker host");
        } catch (IOException | SecurityException e) {
            throw invalid("code", "directory '" + given + "' cannot be read: " + e.getMessage());
        }
        if (!Files.isDirectory(real)) {
            throw invalid("code", "'" + given + "' is not a directory");
        }
        if (roots.stream().noneMatch(real::startsWith)) {
            throw invalid("code", "'" + given + "'" + (real.toString().equals(given) ? "" : " (" + real + ")")
                    + " is outside the allowed code roots " + roots + " (worker setting code.roots)");
        }
        if (!Files.isReadable(real) || !Files.isExecutable(real)) {
            throw invalid("code", "directory '" + given + "' is not readable by the worker");
        }
        return real;
    }

    /** The module's source file: {@code a/b.py} or {@code a/b/__init__.py} for {@code a.b.fn}; real, inside dir. */
    private static Path module(Path dir, String handler) {
        String module = handler.substring(0, handler.lastIndexOf('.'));
        String relative = module.replace('.', '/');
        List<Path> candidates = List.of(dir.resolve(relative + ".py"), dir.resolve(relative).resolve("__init__.py"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                Path real;
                try {
                    real = candidate.toRealPath();
                } catch (IOException e) {
                    continue;
                }
                if (!real.startsWith(dir)) {
                    throw invalid("handler", "'" + handler + "': " + dir.relativize(candidate) + " links outside the"
                            + " code directory " + dir);
                }
                if (!Files.isReadable(real)) {
                    throw invalid("handler", "'" + handler + "': " + real + " is not readable");
                }
                return real;
            }
        }
        throw invalid("handler", "'" + handler + "': module '" + module + "' is not in " + dir + " (looked for "
                + dir.relativize(candidates.get(0)) + " and " + dir.relativize(candidates.get(1)) + ")");
    }

    private static boolean defines(Path module, String function) {
        String source;
        try {
            if (Files.size(module) > MAX_SEARCHED_BYTES) {
                return true;
            }
            source = new String(Files.readAllBytes(module), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw invalid("handler", "cannot read " + module + ": " + e.getMessage());
        }
        String name = Pattern.quote(function);
        String id = "(?<![A-Za-z0-9_])" + name + "(?![A-Za-z0-9_])";
        List<Pattern> bindings = List.of(
                Pattern.compile("(?m)^[ \\t]*(async[ \\t]+)?def[ \\t]+" + name + "[ \\t]*[(\\[]"),
                Pattern.compile("(?m)^[ \\t]*class[ \\t]+" + name + "[ \\t]*[(:]"),
                // name = ..., name: T = ..., a, name = ...
                Pattern.compile("(?m)^[ \\t]*([A-Za-z0-9_]+[ \\t]*,[ \\t]*)*" + name + "[ \\t]*(:[^=\\n]*)?=(?!=)"),
                // import name / from m import a, name / ... import x as name
                Pattern.compile("(?m)^[ \\t]*(from[ \\t]+\\S+[ \\t]+)?import[ \\t]+[^\\n(]*" + id),
                // from m import (\n a,\n name,\n)
                Pattern.compile("(?s)(?m)^[ \\t]*from[ \\t]+\\S+[ \\t]+import[ \\t]*\\([^)]*" + id + "[^)]*\\)"));
        return bindings.stream().anyMatch(p -> p.matcher(source).find());
    }

    private static ValidationException invalid(String field, String message) {
        return new ValidationException(field, message);
    }
}
