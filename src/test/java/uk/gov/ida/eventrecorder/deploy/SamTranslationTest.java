package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.deploy.SamTranslation.Request;
import uk.gov.ida.eventrecorder.deploy.SamTranslation.Translated;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * template.yaml as SAM's translator turns it into the CloudFormation {@code sam deploy} sends, in both consumer modes
 * and with chosen parameter values, held to the rules AWS documents (and cfn-lint does not check): what the stack
 * will be, not what the template seems to say.
 */
class SamTranslationTest {
    private static final Request EVENT_SOURCE = new Request(SamTranslation.TEMPLATE, Map.of());
    private static final Request SCHEDULED_DRAIN = new Request(SamTranslation.TEMPLATE,
            Map.of("ConsumerMode", "scheduled-drain"));
    private static final String OTHER_ROLE = "arn:aws:iam::123456789012:role/someone-else";
    private static final String OPERATOR = "arn:aws:iam::123456789012:role/export-operator";
    private static final Request WITH_OPERATOR = new Request(SamTranslation.TEMPLATE,
            Map.of("ExportOperatorRoleArn", OPERATOR));
    /** The longest values the secrets and connection strings take: KMS ciphertexts of a key or a password. */
    private static final Request LONGEST_VALUES = new Request(SamTranslation.TEMPLATE, longestValues());

    /** Deployments as the pipeline and the deploying guide make them: the values, and the digest of them. */
    private static final Request DEPLOYED = deployed("code 1", "DbUser=event_recorder", "ApplicationLogLevel=INFO");
    private static final Request DEPLOYED_AGAIN = deployed("code 1", "ApplicationLogLevel=INFO",
            "DbUser=event_recorder");
    private static final Request NEW_DB_USER = deployed("code 1", "DbUser=event_recorder_2",
            "ApplicationLogLevel=INFO");
    private static final Request NEW_LOG_LEVEL = deployed("code 1", "DbUser=event_recorder",
            "ApplicationLogLevel=DEBUG");
    private static final Request BOUND_KMS = deployed("code 1", "DbUser=event_recorder", "ApplicationLogLevel=INFO",
            "KmsEncryptionContext=true");
    /** Given the digest, SAM names versions from it alone, no longer from the code: the digest covers the code. */
    private static final Request NEW_CODE = deployed("code 2", "DbUser=event_recorder", "ApplicationLogLevel=INFO");

    /** Values under which every optional statement and variable of the event-source function is there. */
    private static final Map<String, String> EVERY_OPTION = Map.of("KmsEncryptionContext", "true",
            "EncryptedDatabasePassword", "c2VjcmV0", "DecryptionKeyBucketName", "keys", "DecryptionKeyFileName", "key",
            "DbCaBundleBucketName", "ca", "DbCaBundleKey", "rds.pem", "SubnetIds", "subnet-1",
            "SecurityGroupIds", "sg-1");
    private static final String QUEUE_ARN = "arn:aws-cn:sqs:cn-north-1:123456789012:event-recorder-EventQueue";
    private static final Request ZIP_EVERY_OPTION = new Request(SamTranslation.TEMPLATE, EVERY_OPTION);
    private static final Request IMAGE_EVERY_OPTION = new Request(SamTranslation.IMAGE_TEMPLATE, with(EVERY_OPTION,
            Map.of("RecorderStackName", "event-recorder", "EventQueueArn", QUEUE_ARN,
                    "RecorderImageUri", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/event-recorder:1")));

    private static final String KEPT_SIGNING_KEY = "arn:aws-cn:kms:cn-north-1:123456789012:key/kept-signing";
    private static final String KEPT_BUCKET_KEY = "arn:aws-cn:kms:cn-north-1:123456789012:key/kept-bucket";
    private static final Request ON_A_KEPT_BUCKET = new Request(SamTranslation.TEMPLATE, Map.of(
            "ExportBucketName", "kept-export", "ExportBucketExists", "true",
            "ExistingExportSigningKeyId", "kept-signing", "ExistingExportBucketKeyId", "kept-bucket"));

    private static final String LEDGER_FUNCTION = uk.gov.ida.eventrecorder.metrics.MetricsLog.LEDGER_FUNCTION;
    /** The ledger's objects under a prefix of the export's, to tell the prefix from the bucket's root. */
    private static final Request PREFIXED = new Request(SamTranslation.TEMPLATE, Map.of(
            "ExportBucketName", "export", "ExportPrefix", "events/"));

    private static Map<Request, Translated> translated;

    @BeforeAll
    static void translate() {
        translated = SamTranslation.translate(List.of(EVENT_SOURCE, SCHEDULED_DRAIN, WITH_OPERATOR, LONGEST_VALUES,
                DEPLOYED, DEPLOYED_AGAIN, NEW_DB_USER, NEW_LOG_LEVEL, BOUND_KMS, NEW_CODE, ZIP_EVERY_OPTION,
                IMAGE_EVERY_OPTION,
                ON_A_KEPT_BUCKET, PREFIXED));
    }

    // Every trigger invokes the 'live' alias; SAM moves it only to a version it publishes, and publishes one only when
    // its hash of the function changes. That hash sees {"Ref": "DbUser"}, not the value, so a changed parameter (or
    // KmsEncryptionContext, which changes IAM at once) would leave the alias on a version with the old configuration.
    @Test
    void aChangedParameterOrNewCodePublishesANewVersionOfEveryFunctionAndNothingChangedNone() {
        Map<String, String> deployed = versions(translated.get(DEPLOYED));
        assertEquals(translated.get(DEPLOYED).resources("AWS::Lambda::Function").keySet(), deployed.keySet(),
                "every function is published behind its alias");
        assertEquals(deployed, versions(translated.get(DEPLOYED_AGAIN)), "nothing changed: the same versions");
        for (Request changed : List.of(NEW_DB_USER, NEW_LOG_LEVEL, BOUND_KMS, NEW_CODE)) {
            Map<String, String> after = versions(translated.get(changed));
            deployed.forEach((function, version) -> assertNotEquals(version, after.get(function),
                    function + " after " + changed.parameters()));
        }
    }

    /** Function to the logical id of the version SAM publishes for it, and the alias points at. */
    private static Map<String, String> versions(Translated stack) {
        Map<String, String> versions = new java.util.TreeMap<>();
        stack.resources("AWS::Lambda::Alias").values().forEach(alias -> versions.put(
                alias.path("Properties").path("FunctionName").path("Ref").asText(),
                alias.path("Properties").path("FunctionVersion").path("Fn::GetAtt").get(0).asText()));
        return versions;
    }

    /**
     * A request with these values and the digest build/configuration-digest.sh prints for them and for this code: the
     * script run in a folder of its own, beside copies of the templates and jars that hold {@code code}, so that the
     * test needs no packaged artifact.
     */
    private static Request deployed(String code, String... overrides) {
        try {
            java.nio.file.Path folder = java.nio.file.Files.createTempDirectory("configuration-digest-");
            for (String file : List.of("build/configuration-digest.sh", "template.yaml", "build/image/template.yaml")) {
                java.nio.file.Path copy = folder.resolve(file);
                java.nio.file.Files.createDirectories(copy.getParent());
                java.nio.file.Files.copy(java.nio.file.Path.of(file), copy,
                        java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
            java.nio.file.Files.createDirectories(folder.resolve("target"));
            for (String jar : List.of("event-recorder-lambda.jar", "event-recorder-export.jar")) {
                java.nio.file.Files.writeString(folder.resolve("target").resolve(jar), code + " " + jar);
            }
            List<String> command = new ArrayList<>(List.of(folder.resolve("build/configuration-digest.sh").toString()));
            command.addAll(List.of(overrides));
            Process digest = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String printed = new String(digest.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .strip();
            assertEquals(0, digest.waitFor(), "build/configuration-digest.sh");
            Map<String, String> parameters = new java.util.HashMap<>();
            for (String override : overrides) {
                parameters.put(override.substring(0, override.indexOf('=')), override.substring(override.indexOf('=') + 1));
            }
            parameters.put("ConfigurationDigest", printed);
            return new Request(SamTranslation.TEMPLATE, parameters);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<Translated> bothModes() {
        return List.of(translated.get(EVENT_SOURCE), translated.get(SCHEDULED_DRAIN));
    }

    /** Both modes of the main stack, and the image stack. */
    private static List<Translated> everyStack() {
        return List.of(translated.get(EVENT_SOURCE), translated.get(SCHEDULED_DRAIN), translated.get(IMAGE_EVERY_OPTION));
    }

    // SAM CLI asks for an image repository when the template it deploys holds any function with PackageType Image,
    // even one behind a false condition; the image is a template of its own (build/image/template.yaml).
    @Test
    void theTemplateSamDeployReadsHoldsNoImageFunction() {
        for (Translated stack : bothModes()) {
            stack.root().path("Resources").fields().forEachRemaining(r -> assertNotEquals("Image",
                    r.getValue().path("Properties").path("PackageType").asText(), r.getKey()));
        }
        new Template().root.path("Resources").fields().forEachRemaining(r -> assertNotEquals("Image",
                r.getValue().path("Properties").path("PackageType").asText(), r.getKey()));
    }

    /**
     * The image stack's function is the zip's in another package: the same environment, event source and
     * permissions, from the same parameters, with no SnapStart (Lambda has none for images) and the zip's handler as
     * the image's CMD.
     */
    @Test
    void theImageTemplatesFunctionIsTheZipFunctionInAnotherPackage() {
        Translated zip = normalised(translated.get(ZIP_EVERY_OPTION));
        Translated image = translated.get(IMAGE_EVERY_OPTION);
        JsonNode zipFunction = zip.decided(zip.resource("RecordEventsFunction").path("Properties"));
        JsonNode imageFunction = image.decided(image.resource("RecordEventsFunction").path("Properties"));
        for (String property : List.of("Environment", "Description", "Timeout", "MemorySize", "VpcConfig",
                "LoggingConfig", "Architectures")) {
            assertEquals(zipFunction.path(property), imageFunction.path(property), property);
        }
        assertEquals("Image", imageFunction.path("PackageType").asText());
        assertEquals(image.parameters().get("RecorderImageUri"), imageFunction.path("Code").path("ImageUri").asText());
        assertEquals("None", imageFunction.path("SnapStart").path("ApplyOn").asText("None"));
        assertEquals(zip.resource("RecordEventsFunction").path("Properties").path("Handler").asText(),
                Template.imageCommand());
        for (String generated : List.of("RecordEventsFunctionQueue", "RecordEventsFunctionRole")) {
            JsonNode fromZip = zip.decided(zip.resource(generated).path("Properties"));
            JsonNode fromImage = image.decided(image.resource(generated).path("Properties"));
            assertEquals(fromZip, fromImage, generated);
        }
        // The parameters both take mean the same in both.
        image.root().path("Parameters").fields().forEachRemaining(p -> {
            if (!List.of("RecorderStackName", "EventQueueArn", "RecorderImageUri").contains(p.getKey())) {
                assertEquals(zip.root().path("Parameters").path(p.getKey()), p.getValue(), p.getKey());
            }
        });
        // CloudFormation refuses a stack without a value for a parameter that has no default.
        assertTrue(image.root().path("Parameters").path("RecorderImageUri").path("Default").isMissingNode());
    }

    /** The zip stack with its queue's ARN written as the image stack is given it, and its tags as the image's. */
    private static Translated normalised(Translated zip) {
        try {
            String text = zip.root().toString().replace("{\"Fn::GetAtt\":[\"EventQueue\",\"Arn\"]}",
                    "\"" + QUEUE_ARN + "\"");
            return new Translated(Template.YAML.readTree(text), zip.parameters());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> both = new java.util.HashMap<>(a);
        both.putAll(b);
        return both;
    }

    // Lambda SnapStart: "SnapStart does not support provisioned concurrency, Amazon Elastic File System (Amazon EFS),
    // or ephemeral storage greater than 512 MB", nor container images.
    // https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
    @Test
    void noFunctionAsksForSnapStartBesideWhatSnapStartCannotHave() {
        for (Translated stack : everyStack()) {
            Map<String, JsonNode> aliases = stack.resources("AWS::Lambda::Alias");
            stack.resources("AWS::Lambda::Function").forEach((name, function) -> {
                JsonNode p = stack.decided(function.path("Properties"));
                if (!p.path("SnapStart").path("ApplyOn").asText("None").equals("PublishedVersions")) {
                    return;
                }
                assertTrue(p.path("EphemeralStorage").path("Size").asInt(512) <= 512, name + ": over 512 MB of /tmp");
                assertFalse(p.has("FileSystemConfigs"), name + ": EFS");
                assertNotEquals("Image", p.path("PackageType").asText(), name + ": a container image");
                aliases.values().forEach(alias -> {
                    if (alias.path("Properties").path("FunctionName").path("Ref").asText().equals(name)) {
                        assertFalse(alias.path("Properties").has("ProvisionedConcurrencyConfig"), name);
                    }
                });
            });
        }
    }

    @Test
    void theExportRunsWithoutSnapStartAndKeepsItsEphemeralStorageAndReservesNoConcurrency() {
        JsonNode export = translated.get(EVENT_SOURCE).resource("ExportFunction").path("Properties");
        assertEquals("None", export.path("SnapStart").path("ApplyOn").asText("None"), "a daily batch");
        assertEquals(4096, export.path("EphemeralStorage").path("Size").asInt(), "an addendum reads parts into /tmp");
        // Reserving concurrency fails where the account's unreserved concurrency would fall under 100 (new accounts):
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
        assertFalse(export.has("ReservedConcurrentExecutions"), "two runs at once only duplicate work");
    }

    // "The total size of the set [of environment variables] does not exceed 4 KB."
    // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    @Test
    void everyFunctionsEnvironmentFitsInLambdasFourKilobytesWithTheLongestValues() {
        Translated stack = translated.get(LONGEST_VALUES);
        stack.resources("AWS::Lambda::Function").forEach((name, function) -> {
            int bytes = 0;
            var variables = stack.decided(function.path("Properties").path("Environment").path("Variables"))
                    .fields();
            while (variables.hasNext()) {
                var variable = variables.next();
                bytes += variable.getKey().length() + size(variable.getValue());
            }
            assertTrue(bytes <= 4096, name + "'s environment takes " + bytes + " bytes");
        });
    }

    /** A value's length: a literal's or a parameter's as given, an attribute's or a Sub's as long as an ARN may be. */
    private static int size(JsonNode value) {
        return value.isTextual() ? value.asText().length() : 256;
    }

    // Lambda refuses an SQS event source whose queue's visibility timeout is shorter than the function's timeout, and
    // advises six times the function's timeout plus the batching window, so that a batch retried after throttling is
    // not redelivered meanwhile.
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    @Test
    void everySqsEventSourcesQueueHidesAMessageForSixFunctionTimeoutsAndTheLongestBatchingWindow() {
        Translated stack = translated.get(EVENT_SOURCE);
        Map<String, JsonNode> mappings = stack.resources("AWS::Lambda::EventSourceMapping");
        assertFalse(mappings.isEmpty());
        mappings.forEach((name, mapping) -> {
            JsonNode p = mapping.path("Properties");
            String alias = p.path("FunctionName").path("Ref").asText();
            String function = stack.resource(alias).path("Properties").path("FunctionName").path("Ref").asText();
            int timeout = stack.resource(function).path("Properties").path("Timeout").asInt(3);
            String queue = p.path("EventSourceArn").path("Fn::GetAtt").get(0).asText();
            int visibility = stack.resource(queue).path("Properties").path("VisibilityTimeout").asInt(30);
            JsonNode window = stack.root().path("Parameters")
                    .path(p.path("MaximumBatchingWindowInSeconds").path("Ref").asText());
            assertTrue(window.has("MaxValue"), name + ": the batching window is a bounded parameter");
            assertTrue(visibility >= 6 * timeout + window.path("MaxValue").asInt(), name + ": visibility "
                    + visibility + " s, timeout " + timeout + " s, window up to " + window.path("MaxValue") + " s");
        });
    }

    // SAM turns a schedule event's Enabled: {"Fn::If": …} into State "ENABLED" whatever the condition decides.
    @Test
    void onlyTheChosenConsumerRunsTheDrainsRuleAndTheEventSourceFollowTheMode() {
        for (Translated stack : bothModes()) {
            boolean eventSource = stack.parameters().get("ConsumerMode").equals("event-source");
            JsonNode rule = stack.resource("DrainEventsFunctionSchedule").path("Properties");
            assertEquals(eventSource ? "DISABLED" : "ENABLED", stack.decided(rule.path("State")).asText(),
                    stack.parameters().get("ConsumerMode"));
            stack.resources("AWS::Lambda::EventSourceMapping").forEach((name, mapping) -> assertEquals(eventSource,
                    stack.decided(mapping.path("Properties").path("Enabled")).asBoolean(), name));
        }
    }

    // "arn:aws:" is the commercial partition only; China and GovCloud are aws-cn and aws-us-gov.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
    @Test
    void everyArnNamesThePartitionItIsDeployedIn() {
        for (Translated stack : everyStack()) {
            for (String s : stack.strings()) {
                assertFalse(s.contains("arn:aws:"), s);
            }
        }
    }

    // DeletionPolicy RetainExceptOnCreate keeps a resource when the stack is deleted, but not when the stack's first
    // creation fails and rolls back (Retain would leave a bucket, its policy and two keys that block the next
    // attempt: the name is taken, and the policy denies deleting the bucket); UpdateReplacePolicy Retain keeps it when
    // an update replaces it. A KMS key deleted with the stack is scheduled for deletion, and then what it encrypted or
    // signed is lost:
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
    // https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
    @Test
    void retiringTheStackKeepsTheExportBucketTheKeysThatReadAndSignItAndItsPolicy() {
        Translated stack = translated.get(EVENT_SOURCE);
        for (String kept : List.of("ExportBucket", "ExportBucketKey", "ExportSigningKey", "ExportBucketPolicy")) {
            JsonNode resource = stack.resource(kept);
            assertEquals("RetainExceptOnCreate", resource.path("DeletionPolicy").asText(), kept);
            assertEquals("Retain", resource.path("UpdateReplacePolicy").asText(), kept);
        }
    }

    // CloudFormation cannot create a bucket whose name is taken, and the kept one is: a new stack can run on it and its
    // kept keys instead of making its own. Nor can it create a bucket policy where one exists (AlreadyExists): the
    // kept policy stays in force, and the operator names the new export role in it, as in the kept signing key's.
    @Test
    void aNewStackRunsOnTheBucketAndKeysARetiredStackKept() {
        Translated stack = translated.get(ON_A_KEPT_BUCKET);
        assertTrue(stack.resources("AWS::S3::Bucket").keySet().stream().noneMatch(r -> r.equals("ExportBucket")));
        assertTrue(stack.resources("AWS::KMS::Key").isEmpty(), "no new keys");
        JsonNode export = stack.decided(stack.resource("ExportFunction").path("Properties"));
        assertEquals("kept-export", export.path("Environment").path("Variables").path("EXPORT_BUCKET").asText());
        assertEquals(KEPT_SIGNING_KEY, export.path("Environment").path("Variables").path("EXPORT_SIGNING_KEY_ID")
                .asText());
        String permissions = stack.decided(stack.resource("ExportFunctionRole")).toString()
                + stack.decided(stack.resource("ExportSigningPolicy")).toString();
        assertTrue(permissions.contains(KEPT_SIGNING_KEY) && permissions.contains(KEPT_BUCKET_KEY), permissions);
        assertTrue(stack.resources("AWS::S3::BucketPolicy").isEmpty(), "the kept bucket's policy stays in force");
    }

    // Deny wins over any Allow: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    // aws:PrincipalArn is the role's ARN for its sessions:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    @Test
    void onlyTheExportsRoleTheLedgersRoleAndTheOperatorMayPutObjectsInTheExportBucket() {
        for (Translated stack : List.of(translated.get(EVENT_SOURCE), translated.get(WITH_OPERATOR))) {
            JsonNode policy = stack.decided(stack.resource("ExportBucketPolicy").path("Properties")
                    .path("PolicyDocument"));
            String exported = object(stack, "_manifests/audit.audit_events/2026-12-07.json");
            String checkpoint = object(stack, "_ledger/000000000001.json");
            for (String write : List.of("s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectVersionAcl",
                    "s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:PutObjectRetention",
                    "s3:PutObjectLegalHold")) {
                for (String key : List.of(exported, checkpoint)) {
                    assertTrue(denied(policy, write, OTHER_ROLE, key), write + " by anyone else: " + key);
                    assertEquals(stack == translated.get(EVENT_SOURCE), denied(policy, write, OPERATOR, key),
                            write + " by the operator, allowed only when ExportOperatorRoleArn names it: " + key);
                }
                assertFalse(denied(policy, write, exportRole(), exported), write + " by the export");
                assertFalse(denied(policy, write, ledgerRole(), checkpoint), write + " of a checkpoint by the ledger");
                // A role that can sign and write anywhere could put a checkpoint of its own, or a manifest.
                assertTrue(denied(policy, write, exportRole(), checkpoint), write + " of a checkpoint by the export");
                assertTrue(denied(policy, write, ledgerRole(), exported), write + " of an export by the ledger");
            }
            for (String action : List.of("s3:DeleteObject", "s3:DeleteObjectVersion")) {
                for (String role : List.of(exportRole(), ledgerRole())) {
                    assertTrue(denied(policy, action, role, exported), action + ": nobody deletes");
                    assertTrue(denied(policy, action, role, checkpoint), action + ": nobody deletes");
                }
            }
            assertTrue(policy.toString().contains("aws:SecureTransport"), "TLS only, still");
        }
    }

    /** The ARN of an object under the export's prefix in the export bucket, as these values name it. */
    private static String object(Translated stack, String key) {
        return "arn:" + stack.parameters().get("AWS::Partition") + ":s3:::" + stack.parameters().get("ExportBucketName")
                + "/" + stack.parameters().get("ExportPrefix") + key;
    }

    // The key policy is the one policy every use of the key passes; without an explicit Deny any IAM policy in the
    // account could grant kms:Sign: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    @Test
    void onlyTheExportsRoleTheLedgersRoleAndTheOperatorMaySignAndTheAccountStillAdministersTheKey() {
        for (Translated stack : List.of(translated.get(EVENT_SOURCE), translated.get(WITH_OPERATOR))) {
            JsonNode policy = stack.decided(stack.resource("ExportSigningKey").path("Properties").path("KeyPolicy"));
            String key = "the signing key";
            assertTrue(denied(policy, "kms:Sign", OTHER_ROLE, key), "kms:Sign by anyone else");
            assertFalse(denied(policy, "kms:Sign", exportRole(), key), "kms:Sign by the export");
            assertFalse(denied(policy, "kms:Sign", ledgerRole(), key), "kms:Sign by the ledger (its checkpoints)");
            assertEquals(stack == translated.get(EVENT_SOURCE), denied(policy, "kms:Sign", OPERATOR, key),
                    "the operator");
            for (String administration : List.of("kms:PutKeyPolicy", "kms:DescribeKey", "kms:GetPublicKey",
                    "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion", "kms:TagResource")) {
                assertFalse(denied(policy, administration, OTHER_ROLE, key), administration + " is not locked out");
            }
            boolean accountAdministers = false;
            for (JsonNode s : policy.path("Statement")) {
                accountAdministers |= s.path("Effect").asText().equals("Allow")
                        && s.path("Action").asText().equals("kms:*")
                        && s.path("Principal").path("AWS").toString().contains(":root");
            }
            assertTrue(accountAdministers, "the account administers the key through IAM");
        }
    }

    // Missing data is a stack younger than the first run, not a failure: "notBreaching" keeps the alarm OK until a
    // data point says otherwise. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
    @Test
    void noAlarmIsInAlarmOnANewStackForLackOfData() {
        translated.get(EVENT_SOURCE).resources("AWS::CloudWatch::Alarm").forEach((name, alarm) ->
                assertNotEquals("breaching", alarm.path("Properties").path("TreatMissingData").asText(), name));
    }

    // A scheduled run that failed is a Lambda error; one that did not happen is a schedule that could not invoke the
    // function (EventBridge's FailedInvocations) or an event Lambda dropped after its retries (AsyncEventsDropped).
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    @Test
    void aScheduledRunThatFailedOrDidNotHappenAlarms() {
        Translated stack = translated.get(EVENT_SOURCE);
        Map<String, String> scheduled = Map.of("ExportFunction", "ExportFunctionDaily",
                "PartitionMaintenanceFunction", "PartitionMaintenanceFunctionHourly",
                "LedgerFunction", "LedgerFunctionSchedule");
        scheduled.forEach((function, rule) -> {
            assertEquals("AWS::Events::Rule", stack.resource(rule).path("Type").asText());
            boolean alarmed = stack.resources("AWS::CloudWatch::Alarm").values().stream().anyMatch(alarm -> {
                Set<String> watched = new HashSet<>();
                alarm.path("Properties").path("Metrics").forEach(m -> {
                    JsonNode metric = m.path("MetricStat").path("Metric");
                    watched.add(metric.path("Namespace").asText() + " " + metric.path("MetricName").asText() + " "
                            + metric.path("Dimensions").path(0).path("Value").path("Ref").asText());
                });
                return watched.containsAll(Set.of("AWS/Lambda Errors " + function,
                        "AWS/Lambda AsyncEventsDropped " + function, "AWS/Events FailedInvocations " + rule))
                        && alarm.path("Properties").path("Threshold").asInt() == 0
                        && alarm.path("Properties").path("ComparisonOperator").asText().equals("GreaterThanThreshold");
            });
            assertTrue(alarmed, function + ": an alarm on its errors, dropped events and failed schedule");
        });
    }

    @Test
    void anExportedDayThatChangedOtherThanByAddedRowsAlarmsWithWhatToDo() {
        JsonNode alarm = translated.get(EVENT_SOURCE).resource("ExportWarningsAlarm").path("Properties");
        assertEquals("ExportWarnings", alarm.path("MetricName").asText());
        assertEquals("MetricsNamespace", alarm.path("Namespace").path("Ref").asText());
        assertEquals("Function", alarm.path("Dimensions").get(0).path("Name").asText());
        assertEquals(uk.gov.ida.eventrecorder.metrics.MetricsLog.EXPORT_FUNCTION,
                alarm.path("Dimensions").get(0).path("Value").asText());
        assertEquals(0, alarm.path("Threshold").asInt());
        assertEquals("GreaterThanThreshold", alarm.path("ComparisonOperator").asText());
        assertTrue(alarm.path("AlarmDescription").asText().contains("verify --against-database"));
    }

    // EventBridge's rate expressions: "rate(1 minute)" for one, "rate(5 minutes)" for more.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
    @Test
    void theLedgerRunsOnARuleEveryIntervalAndIsToldThatIntervalInSeconds() {
        List<String> intervals = allowed(translated.get(EVENT_SOURCE), "LedgerIntervalMinutes");
        assertEquals("1", translated.get(EVENT_SOURCE).parameters().get("LedgerIntervalMinutes"), "every minute");
        for (String minutes : intervals) {
            Translated stack = withValue(translated.get(EVENT_SOURCE), "LedgerIntervalMinutes", minutes);
            JsonNode rule = stack.resource("LedgerFunctionSchedule");
            assertEquals("AWS::Events::Rule", rule.path("Type").asText());
            assertEquals(minutes.equals("1") ? "rate(1 minute)" : "rate(" + minutes + " minutes)",
                    stack.decided(rule.path("Properties").path("ScheduleExpression")).asText());
            assertNotEquals("DISABLED", stack.decided(rule.path("Properties").path("State")).asText());
            String alias = rule.path("Properties").path("Targets").get(0).path("Arn").path("Ref").asText();
            assertEquals("LedgerFunction", stack.resource(alias).path("Properties").path("FunctionName").path("Ref")
                    .asText(), "the rule invokes the ledger's live alias");

            JsonNode ledger = stack.decided(stack.resource("LedgerFunction").path("Properties"));
            assertEquals("uk.gov.ida.eventrecorder.lambda.LedgerHandler::handleRequest",
                    ledger.path("Handler").asText());
            int seconds = Integer.parseInt(minutes) * 60;
            assertEquals(Integer.toString(seconds), ledger.path("Environment").path("Variables")
                    .path("LEDGER_INTERVAL").asText(), minutes + " minute(s)");
            assertTrue(ledger.path("Timeout").asInt() <= seconds, "a run ends before the next begins, mostly");
        }
        // The next scheduled run is the retry: Lambda's own retries would only add runs during an outage.
        JsonNode invoke = translated.get(EVENT_SOURCE).resources("AWS::Lambda::EventInvokeConfig").values().stream()
                .filter(c -> c.path("Properties").path("FunctionName").path("Ref").asText().equals("LedgerFunction"))
                .findFirst().orElseThrow(() -> new AssertionError("the ledger has an invoke configuration"));
        assertEquals(0, invoke.path("Properties").path("MaximumRetryAttempts").asInt(-1));
    }

    @Test
    void theLedgerFindsTheExportsBucketPrefixAndKeyAndLogsInAsItsOwnRole() {
        for (Translated stack : List.of(translated.get(PREFIXED), translated.get(ON_A_KEPT_BUCKET))) {
            JsonNode ledger = stack.decided(stack.resource("LedgerFunction").path("Properties").path("Environment")
                    .path("Variables"));
            JsonNode export = stack.decided(stack.resource("ExportFunction").path("Properties").path("Environment")
                    .path("Variables"));
            for (String variable : List.of("EXPORT_BUCKET", "EXPORT_PREFIX", "EXPORT_SIGNING_KEY_ID",
                    "METRICS_NAMESPACE")) {
                assertEquals(export.path(variable), ledger.path(variable), variable);
            }
            assertEquals("event_recorder_ledger", ledger.path("DB_USER").asText());
            assertTrue(stack.decided(stack.resource("LedgerFunctionRole")).toString()
                    .contains(":dbuser:" + stack.parameters().get("DbResourceId") + "/event_recorder_ledger\""),
                    "rds-db:connect as event_recorder_ledger");
        }
    }

    @Test
    void theLedgersRoleMaySignWithTheExportsKeyAndReadAndWriteOnlyUnderTheLedgerPrefix() {
        for (Translated stack : List.of(translated.get(PREFIXED), translated.get(ON_A_KEPT_BUCKET))) {
            List<JsonNode> allowed = allowStatements(stack, "LedgerFunctionRole");
            String signingKey = stack.condition("CreateExportBucket") ? "ExportSigningKey.Arn" : KEPT_SIGNING_KEY;
            String bucketKey = stack.condition("CreateExportBucket") ? "ExportBucketKey.Arn" : KEPT_BUCKET_KEY;
            for (String action : List.of("kms:Sign", "kms:GetPublicKey")) {
                assertEquals(Set.of(signingKey), resources(allowed, action), action);
            }
            for (String action : List.of("kms:GenerateDataKey", "kms:Decrypt")) {
                assertTrue(resources(allowed, action).contains(bucketKey), action + " of the bucket's SSE-KMS key");
            }
            String bucket = "arn:aws-cn:s3:::" + stack.parameters().get("ExportBucketName");
            String checkpoints = bucket + "/" + stack.parameters().get("ExportPrefix") + "_ledger/*";
            for (String action : List.of("s3:PutObject", "s3:GetObject")) {
                assertEquals(Set.of(checkpoints), resources(allowed, action), action);
            }
            // Listing the bucket, unconditioned: S3 answers a GET of a missing object (a checkpoint hidden by a delete
            // marker) 404 only to a principal with s3:ListBucket on the request, 403 otherwise.
            // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
            for (String action : List.of("s3:ListBucket", "s3:ListBucketVersions")) {
                List<JsonNode> listing = allowed.stream().filter(s -> covers(s.path("Action"), action)).toList();
                assertEquals(1, listing.size(), action);
                assertEquals(bucket, listing.get(0).path("Resource").asText(), action);
                assertFalse(listing.get(0).has("Condition"), action + ": a missing checkpoint reads as missing");
            }
            for (JsonNode s : allowed) {
                s.path("Action").forEach(a -> assertFalse(a.asText().contains("*") || a.asText().contains("Delete")
                        || a.asText().contains("Retention") || a.asText().contains("Bypass"), a.asText()));
                assertFalse(s.path("Resource").toString().contains("\"*\""), s.toString());
            }
        }
    }

    /** The Allow statements of a role's own policies and of every policy that names it, with the conditions decided. */
    private static List<JsonNode> allowStatements(Translated stack, String role) {
        List<JsonNode> statements = new ArrayList<>();
        stack.decided(stack.resource(role)).path("Properties").path("Policies")
                .forEach(p -> p.path("PolicyDocument").path("Statement").forEach(statements::add));
        for (String type : List.of("AWS::IAM::RolePolicy", "AWS::IAM::Policy")) {
            stack.resources(type).values().forEach(policy -> {
                JsonNode p = stack.decided(policy.path("Properties"));
                if (p.path("RoleName").path("Ref").asText().equals(role)
                        || p.path("Roles").toString().contains("\"" + role + "\"")) {
                    p.path("PolicyDocument").path("Statement").forEach(statements::add);
                }
            });
        }
        return statements.stream().filter(s -> s.path("Effect").asText().equals("Allow")).toList();
    }

    /** Every resource the statements allow an action on, a GetAtt as "Resource.Attribute". */
    private static Set<String> resources(List<JsonNode> statements, String action) {
        Set<String> resources = new HashSet<>();
        for (JsonNode s : statements) {
            if (covers(s.path("Action"), action)) {
                JsonNode listed = s.path("Resource");
                (listed.isArray() ? listed : List.of(listed)).forEach(r -> resources.add(r.has("Fn::GetAtt")
                        ? r.path("Fn::GetAtt").get(0).asText() + "." + r.path("Fn::GetAtt").get(1).asText()
                        : r.asText()));
            }
        }
        return resources;
    }

    @Test
    void aCheckpointRunThatFoundTheLedgerInconsistentAlarmsWithWhatToDo() {
        JsonNode alarm = translated.get(EVENT_SOURCE).resource("LedgerWarningsAlarm").path("Properties");
        assertEquals("LedgerWarnings", alarm.path("MetricName").asText());
        assertEquals("MetricsNamespace", alarm.path("Namespace").path("Ref").asText());
        assertEquals("Function", alarm.path("Dimensions").get(0).path("Name").asText());
        assertEquals(LEDGER_FUNCTION, alarm.path("Dimensions").get(0).path("Value").asText());
        assertEquals(0, alarm.path("Threshold").asInt());
        assertEquals("GreaterThanThreshold", alarm.path("ComparisonOperator").asText());
        assertEquals("notBreaching", alarm.path("TreatMissingData").asText());
        assertTrue(alarm.path("AlarmDescription").asText().contains("docs/operating.md"));
    }

    /**
     * Events recorded and no checkpoint in a whole period, two periods running. A period is longer than an interval
     * and a run, so events recorded late in one period are in a checkpoint of the next: only a ledger that stopped
     * writing leaves two such periods in a row.
     */
    @Test
    void eventsRecordedWithNoCheckpointForTwoPeriodsRunningAlarmsAtEveryInterval() {
        Translated stack = translated.get(EVENT_SOURCE);
        JsonNode alarm = stack.resource("LedgerStalledAlarm").path("Properties");
        Set<String> watched = new HashSet<>();
        List<JsonNode> returned = new ArrayList<>();
        alarm.path("Metrics").forEach(m -> {
            JsonNode metric = m.path("MetricStat").path("Metric");
            if (m.has("MetricStat")) {
                assertEquals("MetricsNamespace", metric.path("Namespace").path("Ref").asText());
                assertEquals("Sum", m.path("MetricStat").path("Stat").asText());
                watched.add(metric.path("MetricName").asText() + " " + metric.path("Dimensions").get(0).path("Value")
                        .asText());
            }
            if (m.path("ReturnData").asBoolean(true)) {
                returned.add(m);
            }
        });
        assertEquals(Set.of("LedgerCheckpoints " + LEDGER_FUNCTION,
                "EventsRecorded " + uk.gov.ida.eventrecorder.metrics.MetricsLog.EVENT_SOURCE_FUNCTION,
                "EventsRecorded " + uk.gov.ida.eventrecorder.metrics.MetricsLog.DRAIN_FUNCTION), watched);
        assertEquals(1, returned.size(), "one expression is the alarm's");
        String expression = returned.get(0).path("Expression").asText();
        alarm.path("Metrics").forEach(m -> assertTrue(m == returned.get(0) || expression.contains(m.path("Id")
                .asText()), m.path("Id") + " in " + expression));
        assertEquals(0, alarm.path("Threshold").asInt());
        assertEquals("GreaterThanThreshold", alarm.path("ComparisonOperator").asText());
        assertEquals(2, alarm.path("EvaluationPeriods").asInt());
        assertEquals(2, alarm.path("DatapointsToAlarm").asInt());
        for (String minutes : allowed(stack, "LedgerIntervalMinutes")) {
            Translated every = withValue(stack, "LedgerIntervalMinutes", minutes);
            int timeout = every.decided(every.resource("LedgerFunction").path("Properties")).path("Timeout").asInt();
            alarm.path("Metrics").forEach(m -> {
                if (m.has("MetricStat")) {
                    int period = every.decided(m.path("MetricStat").path("Period")).asInt();
                    assertTrue(period % 60 == 0 && period > Integer.parseInt(minutes) * 60 + timeout,
                            "a period of " + period + " s at " + minutes + " minute(s)");
                }
            });
        }
    }

    private static List<String> allowed(Translated stack, String parameter) {
        List<String> values = new ArrayList<>();
        stack.root().path("Parameters").path(parameter).path("AllowedValues").forEach(v -> values.add(v.asText()));
        assertFalse(values.isEmpty(), parameter + " has allowed values");
        return values;
    }

    /** The same translation, decided with another value of one parameter (one that changes no condition). */
    private static Translated withValue(Translated stack, String parameter, String value) {
        Map<String, String> parameters = new java.util.HashMap<>(stack.parameters());
        parameters.put(parameter, value);
        return new Translated(stack.root(), parameters);
    }

    private static String exportRole() {
        return "ExportFunctionRole.Arn";
    }

    private static String ledgerRole() {
        return "LedgerFunctionRole.Arn";
    }

    /**
     * Whether a policy's Deny statements refuse an action on a resource (an ARN) to a principal. Only the conditions
     * this template's Denies use are read: ArnNotEquals or ArnEquals aws:PrincipalArn, whose list names the role by
     * GetAtt or an ARN given as a parameter; a statement with another condition (TLS only) is not about who asks.
     */
    private static boolean denied(JsonNode policy, String action, String principal, String resource) {
        for (JsonNode s : policy.path("Statement")) {
            if (!s.path("Effect").asText().equals("Deny") || !covers(s.path("Action"), action)
                    || !appliesTo(s, resource)) {
                continue;
            }
            JsonNode condition = s.path("Condition");
            if (condition.isMissingNode()) {
                return true;
            }
            JsonNode except = condition.path("ArnNotEquals").path("aws:PrincipalArn");
            JsonNode only = condition.path("ArnEquals").path("aws:PrincipalArn");
            if (!except.isMissingNode() && !principals(except).contains(principal)
                    || !only.isMissingNode() && principals(only).contains(principal)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> principals(JsonNode listed) {
        Set<String> principals = new HashSet<>();
        (listed.isArray() ? listed : List.of(listed)).forEach(e -> principals.add(e.has("Fn::GetAtt")
                ? e.path("Fn::GetAtt").get(0).asText() + "." + e.path("Fn::GetAtt").get(1).asText()
                : e.asText()));
        return principals;
    }

    /** Whether a statement's Resource (or NotResource) takes in the resource; "*" ends a pattern, as IAM reads it. */
    private static boolean appliesTo(JsonNode statement, String resource) {
        boolean not = statement.has("NotResource");
        JsonNode patterns = not ? statement.get("NotResource") : statement.path("Resource");
        boolean matched = false;
        for (JsonNode pattern : patterns.isArray() ? patterns : List.of(patterns)) {
            String p = pattern.asText();
            matched |= p.equals("*") || p.equals(resource)
                    || p.endsWith("*") && resource.startsWith(p.substring(0, p.length() - 1));
        }
        return matched != not;
    }

    private static boolean covers(JsonNode actions, String action) {
        List<String> listed = new ArrayList<>();
        (actions.isArray() ? actions : List.of(actions)).forEach(a -> listed.add(a.asText()));
        return listed.stream().anyMatch(a -> a.equals(action) || a.equals("*")
                || (a.endsWith("*") && action.startsWith(a.substring(0, a.length() - 1))));
    }

    private static Map<String, String> longestValues() {
        String ciphertext = "A".repeat(248); // base64 of a KMS ciphertext of a 32-byte key or a password
        String connection = "host=" + "d".repeat(63) + ".eu-west-2.rds.amazonaws.com port=5432 dbname=events"
                + " user=event_recorder sslmode=verify-full connect_timeout=5";
        return Map.of("EncryptionKey", ciphertext, "EncryptedDatabasePassword", ciphertext,
                "ReplayEncryptedDatabasePassword", ciphertext, "FraudUploadEncryptedDatabasePassword", ciphertext,
                "MaintenanceEncryptedDatabasePassword", ciphertext, "ExportEncryptedDatabasePassword", ciphertext,
                "DbConnectionString", connection, "MaintenanceDbConnectionString", connection,
                "DbCaBundleFile", "/var/task/rds-ca.pem");
    }
}
