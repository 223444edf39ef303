package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Registration refuses code that could not run, naming the field; and passes every usual way to bind a handler. */
class CodeCheckTest {
    @TempDir
    Path root;

    static FunctionSpec spec(String code, String handler) {
        return new FunctionSpec("f", "1", "", code, handler, "", Compute.CPU, "uds", 128, 1, Duration.ofSeconds(1), 1,
                ExpectedTimings.UNKNOWN);
    }

    CodeCheck check() {
        return new CodeCheck(List.of(root));
    }

    Path code(String file, String source) throws IOException {
        Path dir = root.resolve("fn");
        Path f = dir.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, source);
        return dir;
    }

    ValidationException refused(String code, String handler) {
        return assertThrows(ValidationException.class, () -> check().check(spec(code, handler)));
    }

    @Test
    void anImageWithoutCodeIsNotCheckedHere() {
        new CodeCheck(List.of()).check(new FunctionSpec("f", "1", "vireo/x:1", "", "", "", Compute.CPU, "uds", 128, 1,
                Duration.ofSeconds(1), 1, ExpectedTimings.UNKNOWN));
    }

    @Test
    void aMissingDirectoryOrAFileIsRefusedOnTheCodeField() throws IOException {
        ValidationException e = refused(root.resolve("nope").toString(), "main.handle");
        assertEquals("code", e.field());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Path file = Files.writeString(root.resolve("file"), "x");
        assertTrue(refused(file.toString(), "main.handle").getMessage().contains("not a directory"));
    }

    @Test
    void directoriesOutsideTheRootsAreRefusedHoweverTheyAreSpelled() throws IOException {
        for (String outside : List.of("/etc", root + "/../../etc", "/proc/self")) {
            ValidationException e = refused(outside, "main.handle");
            assertEquals("code", e.field(), outside);
            assertTrue(e.getMessage().contains("outside the allowed code roots"), e.getMessage());
            assertTrue(e.getMessage().contains("code.roots"), e.getMessage());
        }
        Path link = Files.createSymbolicLink(root.resolve("etc-link"), Path.of("/etc"));
        ValidationException e = refused(link.toString(), "main.handle");
        assertTrue(e.getMessage().contains("(/etc)"), "names where the link leads: " + e.getMessage());
    }

    @Test
    void aRootThisHostLacksAllowsNothing() throws IOException {
        Path dir = code("main.py", "def handle(a):\n    return a\n");
        ValidationException e = assertThrows(ValidationException.class,
                () -> new CodeCheck(List.of(Path.of("/no/such/root"))).check(spec(dir.toString(), "main.handle")));
        assertEquals("code", e.field());
    }

    @Test
    void aMissingModuleIsRefusedOnTheHandlerFieldNamingWhereItLooked() throws IOException {
        Path dir = code("other.py", "def handle(a):\n    return a\n");
        ValidationException e = refused(dir.toString(), "main.handle");
        assertEquals("handler", e.field());
        assertTrue(e.getMessage().contains("main.py") && e.getMessage().contains("main/__init__.py"), e.getMessage());
    }

    @Test
    void aModuleWithoutTheFunctionIsRefused() throws IOException {
        Path dir = code("main.py", "def handler(a):\n    return a\n# handle is mentioned in a comment\nx = handle_it\n");
        ValidationException e = refused(dir.toString(), "main.handle");
        assertEquals("handler", e.field());
        assertTrue(e.getMessage().contains("does not define 'handle'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "def handle(args):\n    return args\n",
        "async def handle(args):\n    return args\n",
        "def handle [T](args):\n    return args\n",
        "class handle:\n    pass\n",
        "handle = lambda a: a\n",
        "handle: object = print\n",
        "a, handle = 1, print\n",
        "if True:\n    def handle(a):\n        return a\n",
        "from json import dumps as handle\n",
        "from impl import other, handle\n",
        "import handle\n",
        "from impl import (\n    other,\n    handle,\n)\n"})
    void everyUsualBindingOfTheHandlerPasses(String source) throws IOException {
        check().check(spec(code("main.py", source).toString(), "main.handle"));
    }

    @Test
    void packagesAndTheOpenWhiskMainResolveToTheirFiles() throws IOException {
        Path dir = code("pkg/sub/mod.py", "def run(a):\n    return a\n");
        code("pkg/__init__.py", "");
        code("lib/__init__.py", "def go(a):\n    return a\n");
        code("__main__.py", "def main(args):\n    return args\n");
        check().check(spec(dir.toString(), "pkg.sub.mod.run"));
        check().check(spec(dir.toString(), "lib.go"));
        check().check(spec(dir.toString(), "__main__.main"));
    }

    @Test
    void aModuleLinkingOutsideTheCodeDirectoryIsRefused() throws IOException {
        Path dir = code("x.py", "");
        Path elsewhere = Files.writeString(root.resolve("elsewhere.py"), "def handle(a):\n    return a\n");
        Files.createSymbolicLink(dir.resolve("main.py"), elsewhere);
        ValidationException e = refused(dir.toString(), "main.handle");
        assertTrue(e.getMessage().contains("links outside"), e.getMessage());
    }
}
