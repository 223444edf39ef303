package dev.vireo.itests;

import static org.junit.Assume.assumeTrue;

import org.junit.Before;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The agent tests over HTTP: each agent in its own network namespace behind a bridge (needs root for namespaces and
 * bridges; skipped otherwise).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AgentHttpIT extends AgentIT {

    @Override
    protected String transport() {
        return "http";
    }

    @Before
    public void needsRoot() {
        assumeTrue("the http transport needs root", "root".equals(System.getProperty("user.name")));
    }
}
