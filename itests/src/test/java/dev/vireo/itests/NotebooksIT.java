package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    @Test
    void everyNotebookRunsTopToBottom(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(NBCONVERT), "jupyter-nbconvert is needed (./vireo test installs it as root)");
        for (Path nb : notebooks()) {
            String name = nb.getFileName().toString().replace(".ipynb", "");
            Path work = tmp.resolve(name);
            ProcessBuilder pb = new ProcessBuilder(NBCONVERT.toString(), "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=600", "--output-dir", tmp.resolve("executed").toString(),
                    nb.toString()).redirectErrorStream(true).directory(nb.getParent().toFile());
            pb.environment().put("VIREO_HOME", HOME.toString());
            pb.environment().put("VIREO_NB_OUT", work.toString());
            pb.environment().put("VIREO_NO_BUILD", "1");
            pb.environment().put("VIREO_RUN_DIR", tmp.resolve("run").toString());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(900, TimeUnit.SECONDS), nb + " did not finish");
            assertEquals(0, p.exitValue(), nb + ":\n" + out);
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
