package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebooks of {@code notebooks/}: stored without outputs, and each runs top to bottom with Debian's nbconvert
 * and Python kernel ({@code ./vireo test} installs jupyter-nbconvert, python3-ipykernel, python3-pandas and
 * python3-matplotlib), calling the {@code ./vireo} the reactor just built.
 */
class NotebooksIT {
    private static final Path HOME = VireoScript.HOME;
    private static final Path NBCONVERT = Path.of("/usr/bin/jupyter-nbconvert");

    static List<Path> notebooks() throws IOException {
        try (Stream<Path> files = Files.list(HOME.resolve("notebooks"))) {
            return files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
    }

    private static List<JsonObject> codeCells(Path notebook) throws IOException {
        List<JsonObject> cells = new ArrayList<>();
        for (JsonElement c : JsonParser.parseString(Files.readString(notebook)).getAsJsonObject().getAsJsonArray("cells")) {
            if (c.getAsJsonObject().get("cell_type").getAsString().equals("code")) {
                cells.add(c.getAsJsonObject());
            }
        }
        return cells;
    }

    @Test
    void everyNotebookIsStoredWithoutOutputs() throws Exception {
        List<Path> all = notebooks();
        assertTrue(all.size() >= 2, "notebooks: " + all);
        for (Path nb : all) {
            for (JsonObject cell : codeCells(nb)) {
                assertEquals(0, cell.getAsJsonArray("outputs").size(), nb + ": a cell stored with its outputs");
                assertTrue(cell.get("execution_count").isJsonNull(), nb + ": a cell stored with its execution count");
            }
        }
    }

    /** Debian's packages behind the notebooks: nbconvert, the Python kernel, pandas and matplotlib. */
    private static final List<Path> PACKAGES = List.of(NBCONVERT, Path.of("/usr/lib/python3/dist-packages/ipykernel"),
            Path.of("/usr/lib/python3/dist-packages/pandas"), Path.of("/usr/lib/python3/dist-packages/matplotlib"));

    @Test
    void everyNotebookRunsTopToBottom(@TempDir Path tmp) throws Exception {
        for (Path p : PACKAGES) {
            assumeTrue(Files.exists(p), p + " is needed (./vireo test installs the notebooks' packages as root)");
        }
        for (Path nb : notebooks()) {
            String name = nb.getFileName().toString().replace(".ipynb", "");
            Path work = tmp.resolve(name);
            ProcessBuilder pb = new ProcessBuilder(NBCONVERT.toString(), "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=600", "--output-dir", tmp.resolve("executed").toString(),
                    nb.toString()).redirectErrorStream(true).directory(nb.getParent().toFile())
                    .redirectOutput(tmp.resolve(name + ".log").toFile());
            // Debian's kernel and modules only: no user kernelspec, user site-packages or PYTHONPATH of this host
            pb.environment().remove("PYTHONPATH");
            pb.environment().put("PYTHONNOUSERSITE", "1");
            pb.environment().put("JUPYTER_PATH", "/usr/share/jupyter");
            pb.environment().put("JUPYTER_DATA_DIR", tmp.resolve("jupyter-data").toString());
            pb.environment().put("VIREO_HOME", HOME.toString());
            pb.environment().put("VIREO_NB_OUT", work.toString());
            pb.environment().put("VIREO_NO_BUILD", "1");
            pb.environment().put("VIREO_RUN_DIR", tmp.resolve("run").toString());
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(900, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(nb + " did not finish in 900 s:\n"
                        + Files.readString(tmp.resolve(name + ".log")));
            }
            assertEquals(0, p.exitValue(), nb + ":\n" + Files.readString(tmp.resolve(name + ".log")));
            List<JsonObject> cells = codeCells(tmp.resolve("executed").resolve(nb.getFileName()));
            for (JsonObject cell : cells) {
                assertTrue(!cell.get("execution_count").isJsonNull(), nb + ": every cell ran");
                for (JsonElement o : cell.getAsJsonArray("outputs")) {
                    assertTrue(!o.getAsJsonObject().get("output_type").getAsString().equals("error"), nb + ": " + o);
                }
            }
            try (Stream<Path> made = Files.list(work)) {
                assertTrue(made.anyMatch(f -> f.toString().endsWith(".png") && f.toFile().length() > 1_000),
                        nb + " drew its figure into " + work);
            }
        }
    }
}
