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
 * wiring name the handlers' package, and the wiring names no entry point at all. The failure policy and the other
 * classes at the root sit below every stage they serve.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/uk/gov/ida/eventrecorder");

    @Test
    void theCommandsAndTheWiringNeverNameTheHandlersAndTheWiringNamesNoEntryPoint() throws IOException {
        assertEquals(List.of(), naming("cli", "uk.gov.ida.eventrecorder.lambda"));
        assertEquals(List.of(), naming("wiring", "uk.gov.ida.eventrecorder.lambda"));
        assertEquals(List.of(), naming("wiring", "uk.gov.ida.eventrecorder.cli"));
    }

    /**
     * Every stage imports the root's failure policy ({@code FailureClass}, the exception root, {@code Deadline}), so
     * the root must name no stage: a root class that named one (as the policy once named the event package's
     * rejection reasons, which named the policy back) would make the two a loop, each changing with the other.
     */
    @Test
    void theFailurePolicyAndTheRestOfTheRootNameNoPackageOfTheRecorder() throws IOException {
        List<String> found = new ArrayList<>();
        java.util.regex.Pattern sub = java.util.regex.Pattern.compile("uk\\.gov\\.ida\\.eventrecorder\\.([a-z]\\w*)\\.");
        try (var files = Files.list(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                java.util.regex.Matcher m = sub.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(file.getFileName() + " names " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), found);
    }

    /**
     * The recorder's artifact leaves out the export's classes (pom.xml, the recorder-artifact execution's filter) so
     * that its functions carry no Parquet: no class it keeps may name one it leaves out, or a function would fail
     * with NoClassDefFoundError where the tests, on the full class path, pass.
     */
    @Test
    void noClassInTheRecordersArtifactNamesOneOnlyTheExportArtifactHas() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String filter = pom.substring(pom.indexOf("<artifact>uk.gov.ida:event-recorder</artifact>"));
        filter = filter.substring(0, filter.indexOf("</filter>"));
        List<String> exportOnly = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<exclude>uk/gov/ida/eventrecorder/(.+?)</exclude>")
                .matcher(filter);
        while (m.find()) {
            exportOnly.add(m.group(1));
        }
        assertEquals(List.of("export/**", "digest/**", "ledger/**", "verification/**", "cli/ExportCli*",
                "cli/VerifyCommand*", "cli/ExportCommand*", "lambda/ExportHandler*", "wiring/ExportDependencies*",
                "cli/LedgerCommand*", "lambda/LedgerHandler*", "wiring/LedgerDependencies*", "cli/VerifyEventCommand*",
                "cli/VerifyProofCommand*"), exportOnly);
        List<String> names = exportOnly.stream().map(e -> "uk.gov.ida.eventrecorder." + e.replace("/**", ".")
                .replace("*", "").replace('/', '.')).toList();
        List<String> found = new ArrayList<>();
        try (var files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String relative = MAIN.relativize(file).toString();
                boolean kept = exportOnly.stream().noneMatch(e -> e.endsWith("/**")
                        ? relative.startsWith(e.substring(0, e.length() - 2)) : relative.startsWith(e.replace("*", "")));
                if (!kept) {
                    continue;
                }
                String source = Files.readString(file);
                for (String name : names) {
                    if (source.contains(name)) {
                        found.add(relative + " names " + name);
                    }
                }
                for (String library : List.of("org.apache.parquet", "blue.strategic", "org.apache.hadoop")) {
                    if (source.contains(library)) {
                        found.add(relative + " names " + library);
                    }
                }
            }
        }
        assertEquals(List.of(), found);
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
