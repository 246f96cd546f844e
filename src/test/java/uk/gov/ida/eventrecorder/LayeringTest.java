package uk.gov.ida.eventrecorder;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The wiring that handlers and commands share sits below both (STYLE.md, convention 11): neither the commands nor the
 * wiring name the handlers' package, and the wiring names no entry point at all.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/uk/gov/ida/eventrecorder");

    @Test
    void theCommandsAndTheWiringNeverNameTheHandlersAndTheWiringNamesNoEntryPoint() throws IOException {
        assertEquals(List.of(), naming("cli", "uk.gov.ida.eventrecorder.lambda"));
        assertEquals(List.of(), naming("wiring", "uk.gov.ida.eventrecorder.lambda"));
        assertEquals(List.of(), naming("wiring", "uk.gov.ida.eventrecorder.cli"));
    }

    private static List<String> naming(String pkg, String other) throws IOException {
        List<String> found = new ArrayList<>();
        try (var files = Files.list(MAIN.resolve(pkg))) {
            for (Path file : files.toList()) {
                if (Files.readString(file).contains(other + ".")) {
                    found.add(file.getFileName() + " names " + other);
                }
            }
        }
        return found;
    }
}
