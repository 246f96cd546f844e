package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Concourse pipeline names only files that exist, and deploys the artifact that build/package.sh writes. */
class PipelineTest {
    private static final String REPO_INPUT = "event-recorder/";

    @Test
    void everyTaskFileAndScriptThePipelineNamesExistsAndIsExecutable() throws IOException {
        JsonNode pipeline = Template.YAML.readTree(Path.of("build/concourse/pipeline.yml").toFile());
        List<String> tasks = new ArrayList<>();
        pipeline.path("jobs").forEach(job -> job.path("plan").forEach(step -> tasks.add(step.path("file").asText())));
        tasks.removeIf(String::isEmpty);
        assertTrue(tasks.size() >= 4, "test, package, migrate, deploy: " + tasks);
        for (String task : tasks) {
            Path file = inRepo(task);
            assertTrue(Files.isRegularFile(file), "task file " + task);
            String script = Template.YAML.readTree(file.toFile()).path("run").path("path").asText();
            assertTrue(Files.isExecutable(inRepo(script)), "script " + script + " of " + task);
        }
    }

    @Test
    void migrationRunsAsItsOwnStepBeforeDeploy() throws IOException {
        JsonNode pipeline = Template.YAML.readTree(Path.of("build/concourse/pipeline.yml").toFile());
        List<String> steps = new ArrayList<>();
        pipeline.path("jobs").get(0).path("plan").forEach(step -> steps.add(step.path("task").asText()));
        assertTrue(steps.indexOf("migrate") >= 0 && steps.indexOf("migrate") < steps.indexOf("deploy"), steps.toString());
        assertTrue(steps.indexOf("test") < steps.indexOf("package"), steps.toString());
    }

    @Test
    void theDeployedArtifactIsTheOnePackageShWritesAndTheTemplateShips() throws IOException {
        String packageScript = Files.readString(Path.of("build/package.sh"));
        Matcher written = Pattern.compile("artifact=(target/[\\w.-]+\\.jar)").matcher(packageScript);
        assertTrue(written.find(), "build/package.sh names its artifact");
        String artifactName = Path.of(written.group(1)).getFileName().toString();

        String deploy = Files.readString(Path.of("build/concourse/scripts/deploy.sh"));
        String migrate = Files.readString(Path.of("build/concourse/scripts/migrate.sh"));
        assertTrue(deploy.contains("artifact/" + artifactName), "deploy.sh deploys " + artifactName);
        assertTrue(migrate.contains("artifact/" + artifactName), "migrate.sh runs " + artifactName);
        Set<String> onTheExportsArtifact = Set.of("ExportFunction", "LedgerFunction");
        new Template().functions().forEach((name, function) -> {
            if (!Template.isImage(function) && !onTheExportsArtifact.contains(name)) {
                assertEquals(written.group(1), function.path("Properties").path("CodeUri").asText(), name);
            }
        });
        assertTrue(Files.readString(Path.of("pom.xml")).contains("<finalName>" + artifactName.replace(".jar", "")
                + "</finalName>"), "the shade plugin writes " + artifactName);
        // The export function's own artifact: packaged by the same step, deployed to it alone.
        assertTrue(Files.readString(Path.of("build/concourse/scripts/package.sh"))
                .contains("cp target/event-recorder-export.jar"), "the package task hands on the export's artifact");
        // The ledger runs it too: a leaf's row hash is the export's row digest, which the recorder's artifact leaves out.
        for (String name : onTheExportsArtifact) {
            assertTrue(deploy.contains("artifact/event-recorder-export.jar") && deploy.contains(
                    "_FUNCTION_NAME:" + name + ":$export_jar"), "deploy.sh deploys the export's jar to " + name);
            assertEquals("target/event-recorder-export.jar", new Template().functions().get(name)
                    .path("Properties").path("CodeUri").asText(), name);
        }
    }

    @Test
    void theDeployStepUpdatesEveryFunctionTheTemplateDeclares() throws IOException {
        List<String> functions = new ArrayList<>();
        new Template().root.path("Resources").fields().forEachRemaining(r -> {
            // The image form of the event-source function is the same function (one of the two exists): the same
            // variable names it, and deploy.sh gives it RECORD_IMAGE_URI instead of the zip.
            if (r.getValue().path("Type").asText().equals("AWS::Serverless::Function")
                    && !Template.isImage(r.getValue())) {
                functions.add(r.getKey());
            }
        });
        JsonNode pipeline = Template.YAML.readTree(Path.of("build/concourse/pipeline.yml").toFile());
        List<String> named = new ArrayList<>();
        pipeline.path("jobs").get(0).path("plan").forEach(step -> {
            if (step.path("task").asText().equals("deploy")) {
                step.path("params").fieldNames().forEachRemaining(p -> {
                    if (p.endsWith("_FUNCTION_NAME")) {
                        named.add(p);
                    }
                });
            }
        });
        // One function left out keeps running the old code after every release, silently.
        assertEquals(functions.size(), named.size(), "functions " + functions + ", deploy step names " + named);
        String task = Files.readString(Path.of("build/concourse/tasks/deploy.yml"));
        String script = Files.readString(Path.of("build/concourse/scripts/deploy.sh"));
        for (String variable : named) {
            assertTrue(task.contains("  " + variable + ":"), "deploy.yml passes " + variable);
            assertTrue(script.contains(variable), "deploy.sh deploys to " + variable);
        }
        assertTrue(task.contains("  RECORD_IMAGE_URI:") && script.contains("--image-uri \"$RECORD_IMAGE_URI\""),
                "a stack with the image option is given the image, not the zip");
    }

    /**
     * Triggers invoke the 'live' alias: a function whose code or configuration changed runs it only once a version is
     * published from $LATEST and the alias moved to it, in that order, for every function the deploy updates.
     */
    @Test
    void everyUpdatedFunctionIsPublishedFromLatestBeforeLiveMovesToIt() throws IOException {
        String script = Files.readString(Path.of("build/concourse/scripts/deploy.sh"));
        int update = script.indexOf("aws lambda update-function-code --function-name \"$function\" --zip-file");
        int published = script.indexOf("aws lambda publish-version --function-name \"$function\"");
        int live = script.indexOf("aws lambda update-alias --function-name \"$function\" --name live --function-version "
                + "\"$version\"");
        assertTrue(update >= 0 && update < published && published < live, "update, publish, then move live");
        // The stack's own path (sam deploy) publishes for a changed parameter with the digest this script prints.
        assertTrue(Files.isExecutable(Path.of("build/configuration-digest.sh")));
        assertEquals("ConfigurationDigest", new Template().functions().get("ExportFunction").path("Properties")
                .path("AutoPublishCodeSha256").path("Ref").asText());
    }

    private static Path inRepo(String path) {
        assertTrue(path.startsWith(REPO_INPUT), path + " is in the repository input");
        return Path.of(path.substring(REPO_INPUT.length()));
    }
}
