package uk.gov.ida.eventrecorder.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import uk.gov.ida.eventrecorder.cli.ExportCli;
import uk.gov.ida.eventrecorder.cli.RecorderCli;
import uk.gov.ida.eventrecorder.config.Variable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documents cannot drift from the code: their links resolve, and what they list (environment variables, template
 * parameters, commands and options, the README's two commands) is what the code and the templates have. Each list is
 * derived from the code itself, never kept by hand here. Fast: files, regular expressions and picocli's model only.
 */
class DocumentationTest {
    static final Path README = Path.of("README.md");
    static final Path DOCS = Path.of("docs");
    static final Path CONFIGURATION = DOCS.resolve("configuration.md");
    static final Path DEPLOYING = DOCS.resolve("deploying.md");
    static final List<Path> COMMAND_DOCUMENTS = List.of(DOCS.resolve("operating.md"),
            DOCS.resolve("export-and-verification.md"));
    private static final Path CONFIG_SOURCES = Path.of("src/main/java/uk/gov/ida/eventrecorder/config");
    private static final Path MAIN_SOURCES = Path.of("src/main/java");

    // ---- links

    @Test
    void everyRelativeLinkAndAnchorInTheReadmeAndTheDocumentsResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path document : documents()) {
            broken.addAll(brokenLinks(document, Files.readString(document)));
        }
        assertEquals(List.of(), broken);
    }

    /** The links of one document that lead nowhere: a missing file, or an anchor no heading of the target makes. */
    static List<String> brokenLinks(Path document, String markdown) throws IOException {
        List<String> broken = new ArrayList<>();
        Matcher link = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)").matcher(prose(markdown));
        while (link.find()) {
            String target = link.group(1);
            if (target.matches("(?i)(https?|mailto|ftp):.*")) {
                continue;
            }
            int hash = target.indexOf('#');
            String file = hash < 0 ? target : target.substring(0, hash);
            String anchor = hash < 0 ? null : target.substring(hash + 1);
            Path resolved = file.isEmpty() ? document : document.toAbsolutePath().getParent().resolve(file).normalize();
            if (!Files.exists(resolved)) {
                broken.add(document + ": " + target + " (no such file)");
            } else if (anchor != null && !anchors(file.isEmpty() ? markdown : Files.readString(resolved))
                    .contains(anchor)) {
                broken.add(document + ": " + target + " (no such heading)");
            }
        }
        return broken;
    }

    /** The anchors GitHub makes of a document's headings, in order, with -1, -2 for a repeated one. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : withoutFencedBlocks(markdown).split("\n")) {
            Matcher heading = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$").matcher(line);
            if (heading.matches()) {
                String anchor = anchor(heading.group(1));
                int n = seen.merge(anchor, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? anchor : anchor + "-" + n);
            }
        }
        return anchors;
    }

    /**
     * GitHub's rule: the heading's text (a link's label, not its target) in lower case, punctuation removed (all but
     * letters, digits, spaces, hyphens and underscores), each space a hyphen.
     */
    static String anchor(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").strip().toLowerCase(Locale.ROOT);
        StringBuilder anchor = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                anchor.appendCodePoint(c);
            } else if (c == ' ') {
                anchor.append('-');
            }
        });
        return anchor.toString();
    }

    /** The text links live in: no fenced block, no code span (a link shown as code is not a link). */
    private static String prose(String markdown) {
        return withoutFencedBlocks(markdown).replaceAll("`[^`\n]*`", "``");
    }

    private static String withoutFencedBlocks(String markdown) {
        return markdown.replaceAll("(?ms)^```.*?^```[^\n]*$", "");
    }

    /**
     * A long document opens with its contents, and the contents list its sections (## and ###) as they are, in order:
     * a section added, renamed or moved is a section the contents must follow.
     */
    @Test
    void everyLongDocumentHasContentsThatListItsSectionsInOrder() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Path document : documents()) {
            if (document.equals(README)) {
                continue;
            }
            String text = Files.readString(document);
            Matcher contents = Pattern.compile("(?ms)^## Contents\\s*$(.*?)(?=^## )").matcher(text);
            if (!contents.find()) {
                if (text.lines().count() > LONG_DOCUMENT_LINES) {
                    wrong.add(document + ": " + text.lines().count() + " lines and no Contents");
                }
                continue;
            }
            List<String> listed = new ArrayList<>();
            Matcher entry = Pattern.compile("(?m)^\\s*- \\[(.*)]\\(#[^)]*\\)\\s*$").matcher(contents.group(1));
            while (entry.find()) {
                listed.add(entry.group(1));
            }
            List<String> sections = new ArrayList<>();
            Matcher heading = Pattern.compile("(?m)^#{2,3} (.*?)\\s*$").matcher(withoutFencedBlocks(text));
            while (heading.find()) {
                if (!heading.group(1).equals("Contents")) {
                    sections.add(heading.group(1));
                }
            }
            if (!listed.equals(sections)) {
                wrong.add(document + ": the contents list " + listed + ", the sections are " + sections);
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static final int LONG_DOCUMENT_LINES = 150;

    // ---- environment variables

    @Test
    void theConfigurationGuideListsEveryVariableTheCodeReadsWithItsDefaultAndNoOther() throws IOException {
        Map<String, String> documented = documentedVariables(Files.readString(CONFIGURATION));
        Set<String> read = variablesTheCodeReads();

        assertEquals(new TreeSet<>(read), new TreeSet<>(documented.keySet()),
                "docs/configuration.md's table lists exactly the variables the code reads");
        List<String> withoutDefault = documented.entrySet().stream().filter(e -> e.getValue().isBlank())
                .map(Map.Entry::getKey).toList();
        assertEquals(List.of(), withoutDefault, "every variable has its default (or says it has none)");
        List<String> wrongDefault = new ArrayList<>();
        codeDefaults().forEach((variable, value) -> {
            String cell = documented.getOrDefault(variable, "").replace(",", "");
            if (!Pattern.compile("(?<![\\w.])" + Pattern.quote(value) + "(?![\\w.])").matcher(cell).find()) {
                wrongDefault.add(variable + ": the code's default is " + value + ", the guide says " + cell);
            }
        });
        assertEquals(List.of(), wrongDefault);
    }

    /**
     * What the code reads: the {@link Variable}s the configuration code uses (each must be used, so the enum is the
     * code's own list, not a second hand-kept one), and any variable read by its literal name (the role keys Lambda
     * puts in the environment).
     */
    static Set<String> variablesTheCodeReads() throws IOException {
        Set<String> read = new TreeSet<>();
        String configuration = sources(CONFIG_SOURCES, f -> !f.endsWith("Variable.java"));
        for (Variable variable : Variable.values()) {
            assertTrue(configuration.contains("Variable." + variable.name()), variable + " is declared and never read");
            read.add(variable.name());
        }
        Matcher literal = Pattern.compile("(?:getenv|\\.get|\\.getOrDefault|\\.containsKey)\\(\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\"")
                .matcher(sources(MAIN_SOURCES, f -> true));
        while (literal.find()) {
            read.add(literal.group(1));
        }
        return read;
    }

    /** The variables of the guide's table (first column), each with its default cell. */
    static Map<String, String> documentedVariables(String guide) {
        Map<String, String> variables = new LinkedHashMap<>();
        int defaultColumn = -1;
        for (String line : guide.split("\n")) {
            if (!line.startsWith("|")) {
                defaultColumn = -1;
                continue;
            }
            List<String> cells = cells(line);
            if (defaultColumn < 0) {
                defaultColumn = cells.indexOf("default");
                continue;
            }
            if (cells.get(0).startsWith("---")) {
                continue;
            }
            Matcher name = Pattern.compile("`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`").matcher(cells.get(0));
            while (name.find()) {
                variables.put(name.group(1), defaultColumn < cells.size() ? cells.get(defaultColumn) : "");
            }
        }
        return variables;
    }

    /**
     * The defaults written in the configuration code: a number or constant after the variable in a typed read
     * ({@code env.millis(Variable.DB_CONNECT_TIMEOUT_MS, 5_000)}), or the text of an {@code orElse}.
     */
    static Map<String, String> codeDefaults() throws IOException {
        Map<String, String> defaults = new TreeMap<>();
        String code = sources(CONFIG_SOURCES, f -> true);
        Map<String, String> constants = new HashMap<>();
        Matcher constant = Pattern.compile("static final \\w+ ([A-Z][A-Z0-9_]*) = ([0-9_]+L?);").matcher(code);
        while (constant.find()) {
            constants.put(constant.group(1), constant.group(2));
        }
        Matcher typed = Pattern.compile("Variable\\.([A-Z0-9_]+),\\s*([0-9_]+L?|[A-Z][A-Z0-9_]*)[,)]").matcher(code);
        while (typed.find()) {
            String value = constants.getOrDefault(typed.group(2), typed.group(2));
            if (value.matches("[0-9_]+L?")) {
                defaults.put(typed.group(1), value.replace("_", "").replace("L", ""));
            }
        }
        Matcher orElse = Pattern.compile("Variable\\.([A-Z0-9_]+)\\)(?:\\.map\\([^)]*\\))?\\.orElse\\(\"([^\"]+)\"\\)")
                .matcher(code);
        while (orElse.find()) {
            defaults.put(orElse.group(1), orElse.group(2));
        }
        Matcher getOrDefault = Pattern.compile("getOrDefault\\(Variable\\.([A-Z0-9_]+)\\.name\\(\\), \"([^\"]+)\"\\)")
                .matcher(code);
        while (getOrDefault.find()) {
            defaults.put(getOrDefault.group(1), getOrDefault.group(2));
        }
        return defaults;
    }

    // ---- template parameters

    @Test
    void theDeployingGuideListsEveryTemplateParameterAndNoOther() throws IOException {
        Set<String> parameters = templateParameters();
        assertFalse(parameters.isEmpty(), "the templates have parameters");
        assertEquals(parameters, documentedParameters(Files.readString(DEPLOYING)),
                "docs/deploying.md's parameter table lists exactly the templates' parameters");
    }

    /** The Parameters of every CloudFormation or SAM template in the repository. */
    static Set<String> templateParameters() throws IOException {
        Set<String> parameters = new TreeSet<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.walk(Path.of("."))) {
            for (Path file : files.filter(DocumentationTest::mayBeATemplate).toList()) {
                String text = Files.readString(file);
                if (!text.contains("AWSTemplateFormatVersion") && !text.contains("AWS::Serverless")) {
                    continue;
                }
                JsonNode root = file.toString().endsWith(".json") ? new ObjectMapper().readTree(text)
                        : yaml.readTree(text);
                root.path("Parameters").fieldNames().forEachRemaining(parameters::add);
            }
        }
        return parameters;
    }

    private static boolean mayBeATemplate(Path file) {
        String path = file.normalize().toString();
        return Files.isRegularFile(file) && path.matches(".*\\.(ya?ml|json|template)")
                && !path.matches("(target|\\.git|node_modules|\\.cifuzz-corpus|src/test/resources)(/.*)?");
    }

    /** The names in the first column of the tables in the guide's "Parameters" section. */
    static Set<String> documentedParameters(String guide) {
        Matcher section = Pattern.compile("(?ms)^## Parameters\\s*$(.*?)(?=^## )").matcher(guide);
        assertTrue(section.find(), "docs/deploying.md has a Parameters section");
        Set<String> names = new TreeSet<>();
        for (String line : section.group(1).split("\n")) {
            if (line.startsWith("|") && !line.startsWith("| ---")) {
                Matcher name = Pattern.compile("`([A-Z][A-Za-z0-9]+)`").matcher(cells(line).get(0));
                while (name.find()) {
                    names.add(name.group(1));
                }
            }
        }
        return names;
    }

    // ---- commands

    @Test
    void everyCommandAndOptionOfTheCommandLineToolsIsDocumented() throws IOException {
        StringBuilder documents = new StringBuilder();
        for (Path document : COMMAND_DOCUMENTS) {
            documents.append(Files.readString(document)).append('\n');
        }
        List<String> missing = undocumented(documents.toString());
        assertEquals(List.of(), missing, "in docs/operating.md or docs/export-and-verification.md");
    }

    /** Each command (as {@code `dlq inspect}) and option (as {@code --max}) of both tools that the text lacks. */
    static List<String> undocumented(String text) {
        List<String> missing = new ArrayList<>();
        for (Object tool : List.of(new RecorderCli(), new ExportCli())) {
            for (CommandLine command : new CommandLine(tool).getSubcommands().values()) {
                walk(command.getCommandSpec(), text, missing);
            }
        }
        return missing;
    }

    private static void walk(CommandSpec command, String text, List<String> missing) {
        String name = command.qualifiedName(" ").replaceFirst("^\\S+ ", "");
        if (!Pattern.compile("(?:`|java -jar \\S+ )" + Pattern.quote(name) + "(?=[`\\s])").matcher(text).find()) {
            missing.add("the command " + name);
        }
        for (OptionSpec option : command.options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            boolean found = false;
            for (String optionName : option.names()) {
                List<String> spellings = new ArrayList<>(List.of(optionName));
                if (option.negatable() && optionName.startsWith("--")) {
                    spellings.add("--no-" + optionName.substring(2));
                }
                for (String spelling : spellings) {
                    found |= Pattern.compile("(?<![\\w-])" + Pattern.quote(spelling) + "(?![\\w-])").matcher(text).find();
                }
            }
            if (!found) {
                missing.add("the option " + String.join("/", option.names()) + " of " + name);
            }
        }
        command.subcommands().values().forEach(sub -> walk(sub.getCommandSpec(), text, missing));
    }

    // ---- the README's two commands

    @Test
    void theReadmesTwoCommandsAreTheOnesCiAndTheLocalRunUse() throws IOException {
        String readme = Files.readString(README);
        Matcher block = Pattern.compile("(?ms)^```sh\\n(.*?)^```").matcher(readme);
        assertTrue(block.find(), "the README shows its commands in a sh block");
        List<String> commands = block.group(1).lines().map(l -> l.replaceFirst("\\s+#.*", "").strip())
                .filter(l -> !l.isEmpty()).toList();
        assertEquals(List.of("./build/run-local.sh", "./build/run-tests.sh"), commands);
        for (String command : commands) {
            Path script = Path.of(command);
            assertTrue(Files.isExecutable(script), command + " exists and can be run");
        }
        // CI runs the README's test command, and nothing else in its place.
        assertEquals(List.of("exec bash build/run-tests.sh"), commandLines(Path.of(".ci", "run")).stream()
                .filter(l -> l.contains("build/")).toList());
        assertTrue(commandLines(Path.of("build", "concourse", "scripts", "test.sh")).contains("build/run-tests.sh"),
                "the pipeline's test task runs it too");
        // The local run is the real handler behind the demo's class, which must exist.
        String local = String.join("\n", commandLines(Path.of("build", "run-local.sh")));
        Matcher main = Pattern.compile("-Dexec\\.mainClass=(\\S+)").matcher(local);
        assertTrue(main.find(), "run-local.sh starts a main class");
        assertTrue(Files.exists(Path.of("src/test/java", main.group(1).replace('.', '/') + ".java")), main.group(1));
    }

    /** The lines of a script that are not comments. */
    private static List<String> commandLines(Path script) throws IOException {
        return Files.readAllLines(script).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }

    // ---- the SQL other tests run

    /**
     * DatabaseRolesTest and ExportTest run SQL shown in the documents, found by its marker; both need a database (and
     * the export's, moto), so this says at once, without one, when a document loses a marker or its block.
     */
    @Test
    void theSqlBlocksOtherTestsRunAreWhereTheyLookForThem() throws IOException {
        Map<Path, List<String>> markers = Map.of(
                DEPLOYING, List.of("roles: as the administrator", "roles: as the owner, after migrate"),
                DOCS.resolve("export-and-verification.md"), List.of("row digest: audit.audit_events"));
        List<String> missing = new ArrayList<>();
        for (Map.Entry<Path, List<String>> document : markers.entrySet()) {
            String text = Files.readString(document.getKey());
            for (String marker : document.getValue()) {
                if (!Pattern.compile(Pattern.quote("<!-- " + marker + " -->") + "\\s*```sql\\n[^`]+```").matcher(text)
                        .find()) {
                    missing.add(document.getKey() + ": " + marker);
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    // ---- helpers

    static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(README));
        try (Stream<Path> files = Files.list(DOCS)) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    private static List<String> cells(String row) {
        String inner = row.strip().replaceAll("^\\|", "").replaceAll("\\|$", "");
        List<String> cells = new ArrayList<>();
        for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
            cells.add(cell.strip());
        }
        return cells;
    }

    private static String sources(Path folder, java.util.function.Predicate<String> which) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(folder)) {
            files.filter(f -> f.toString().endsWith(".java") && which.test(f.toString())).sorted().forEach(f -> {
                try {
                    all.append(Files.readString(f)).append('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return all.toString();
    }
}
