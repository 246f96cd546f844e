package uk.gov.ida.eventrecorder.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a test needs of the machine (a program, root's unshare). On a developer's machine that lacks it the test says
 * why and skips; under CI ({@code CI=true}), whose machines have it, a skip would prove nothing, so it fails.
 */
public final class Requirement {
    private Requirement() {
    }

    public static void require(boolean met, String what) {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(met, "CI must run this test, and the machine lacks what it needs: " + what);
        }
        assumeTrue(met, what);
    }
}
