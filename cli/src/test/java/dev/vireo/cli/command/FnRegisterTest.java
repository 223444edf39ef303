package dev.vireo.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.vireo.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code fn register} and {@code fn update}: what they send for variables, secrets and default parameters. */
class FnRegisterTest {
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FnRegisterTest() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body);
            // what a worker answers: the spec, secrets by name
            byte[] answer = ("{\"id\":\"greet-1\",\"backend\":\"process\",\"transport\":\"uds\",\"memory_mb\":128,"
                    + "\"cpus\":1.0,\"timeout_ms\":60000}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ex.getRequestMethod().equals("PUT") ? 200 : 201, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertTrue(code == 0 || !err.toString().isEmpty(), err.toString());
        return code;
    }

    @Test
    void variablesSecretsAndParametersAreSentAndAnUpdateIsAPutOfTheWholeRegistration() {
        String worker = "http://127.0.0.1:" + server.getAddress().getPort();
        String home = System.getenv("PATH");
        assertEquals(0, run("fn", "register", "greet", "--worker", worker, "--image", "vireo/greet", "--env", "MODE=prod",
                "--secret", "TOKEN=s3cret", "--secret-env", "PATH", "--param", "n=3", "--param", "word=hello",
                "--param", "list=[1, \"a\"]", "--param", "brace={oops", "--param", "size=64,64"));
        assertEquals(0, run("fn", "update", "greet", "--worker", worker, "--image", "vireo/greet", "--function-version",
                "1", "--parameters", "{\"a\": {\"b\": 1.50}}", "--param", "c=true"));
        assertEquals(2, requests.size(), requests.toString());
        String[] register = requests.get(0).split(" ", 3);
        assertEquals("POST /functions", register[0] + " " + register[1]);
        assertEquals(JsonParser.parseString("{\"name\":\"greet\",\"image\":\"vireo/greet\",\"env\":{\"MODE\":\"prod\"},"
                + "\"secrets\":{\"TOKEN\":\"s3cret\",\"PATH\":" + com.google.gson.JsonParser.parseString("\""
                + home.replace("\\", "\\\\").replace("\"", "\\\"") + "\"") + "},\"parameters\":{\"n\":3,"
                + "\"word\":\"hello\",\"list\":[1,\"a\"],\"brace\":\"{oops\",\"size\":\"64,64\"}}"), JsonParser.parseString(register[2]));
        String[] update = requests.get(1).split(" ", 3);
        assertEquals("PUT /functions/greet-1", update[0] + " " + update[1]);
        assertEquals(JsonParser.parseString("{\"name\":\"greet\",\"version\":\"1\",\"image\":\"vireo/greet\","
                + "\"parameters\":{\"a\":{\"b\":1.50},\"c\":true}}"), JsonParser.parseString(update[2]));

        assertEquals(2, run("fn", "register", "greet", "--worker", worker, "--image", "i", "--secret-env",
                "VIREO_TEST_NO_SUCH_VARIABLE"));
        assertEquals(2, run("fn", "register", "greet", "--worker", worker, "--image", "i", "--parameters", "[1]"));
        assertEquals(2, requests.size(), "a usage error sends nothing");
    }
}
