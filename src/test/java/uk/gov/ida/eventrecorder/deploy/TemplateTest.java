package uk.gov.ida.eventrecorder.deploy;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.Variable;
import uk.gov.ida.eventrecorder.queue.OutageBackoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** template.yaml checked against the code and against the rules it must keep. */
class TemplateTest {
    private final Template template = new Template();
    private final JsonNode globals = template.root.path("Globals").path("Function");

    @Test
    void everyFunctionsHandlerIsAHandlerClassWithANoArgumentConstructor() throws Exception {
        assertTrue(template.functions().size() >= 2);
        for (JsonNode function : template.functions().values()) {
            Class<?> handler = Class.forName(Template.handlerClass(function));
            assertTrue(RequestHandler.class.isAssignableFrom(handler)
                    || com.amazonaws.services.lambda.runtime.RequestStreamHandler.class.isAssignableFrom(handler),
                    handler + " is a RequestHandler or a RequestStreamHandler");
            handler.getConstructor();
            assertTrue(Template.handler(function).endsWith("::handleRequest"));
        }
    }

    @Test
    void theEventSourceReportsBatchItemFailuresWithBatchSizeAndWindowAsParameters() {
        JsonNode queue = template.functions().get("RecordEventsFunction").path("Properties").path("Events")
                .path("Queue");
        assertEquals("SQS", queue.path("Type").asText());
        JsonNode properties = queue.path("Properties");
        assertEquals("ReportBatchItemFailures", properties.path("FunctionResponseTypes").get(0).asText());
        assertParameter(properties.path("BatchSize"));
        assertParameter(properties.path("MaximumBatchingWindowInSeconds"));
    }

    @Test
    void theDrainFunctionRunsOnAScheduleWithTheQueueUrl() {
        JsonNode drain = template.functions().get("DrainEventsFunction").path("Properties");
        assertEquals("Schedule", drain.path("Events").path("Schedule").path("Type").asText());
        assertEquals("EventQueue", drain.path("Environment").path("Variables").path("QUEUE_URL").path("Ref").asText());
    }

    @Test
    void theQueueHasADeadLetterQueueAndAVisibilityTimeoutOfAtLeastSixFunctionTimeouts() {
        JsonNode queue = template.root.path("Resources").path("EventQueue").path("Properties");
        int longestTimeout = globals.path("Timeout").asInt();
        for (String queueFunction : List.of("RecordEventsFunction", "DrainEventsFunction")) {
            longestTimeout = Math.max(longestTimeout,
                    template.functions().get(queueFunction).path("Properties").path("Timeout").asInt(0));
        }
        assertTrue(queue.path("VisibilityTimeout").asInt() >= 6 * longestTimeout,
                "visibility " + queue.path("VisibilityTimeout") + " vs timeout " + longestTimeout);
        JsonNode redrive = queue.path("RedrivePolicy");
        assertEquals("EventDeadLetterQueue", redrive.path("deadLetterTargetArn").path("Fn::GetAtt").get(0).asText());
        assertParameter(redrive.path("maxReceiveCount"));
    }

    @Test
    void everyFunctionRunsOnASupportedJavaRuntimeThatRunsTheRelease17Bytecode() throws IOException {
        // java17 (Amazon Linux 2) was closed to new functions on 2026-07-31; java21 and java25 run on AL2023.
        Set<String> supported = Set.of("java21", "java25");
        for (Map.Entry<String, JsonNode> function : template.functions().entrySet()) {
            JsonNode own = function.getValue().path("Properties").path("Runtime");
            if (Template.isImage(function.getValue())) {
                // An image brings its own JDK: the Dockerfile's, which must be a 25 (the cache is made by it).
                assertTrue(own.isMissingNode(), function.getKey());
                assertTrue(Files.readString(Template.DOCKERFILE).contains("amazoncorretto:25-"), "a JDK 25 image");
            } else {
                assertTrue(supported.contains(own.asText()), function.getKey() + " runs on " + own);
            }
        }
        // The image (build/image/template.yaml) brings its own JDK: the Dockerfile's, a 25 (the cache is made by it).
        assertTrue(Files.readString(Template.DOCKERFILE).contains("amazoncorretto:25-"), "a JDK 25 image");
        assertTrue(Files.readString(Path.of("pom.xml")).contains("<maven.compiler.release>17</maven.compiler.release>"),
                "bytecode for release 17, which every supported runtime runs");
    }

    @Test
    void theArchitectureIsAParameterDefaultingToArm64() {
        assertEquals("Architecture", globals.path("Architectures").get(0).path("Ref").asText());
        JsonNode parameter = template.root.path("Parameters").path("Architecture");
        assertEquals("arm64", parameter.path("Default").asText());
        assertEquals(Set.of("arm64", "x86_64"), Set.copyOf(Template.YAML.convertValue(parameter.path("AllowedValues"),
                List.class)));
    }

    @Test
    void theDefaultsSurviveAFourHourOutageWithNothingInTheDlqAndSendPoisonThereWithinFortyMinutes() {
        JsonNode variables = template.functions().get("RecordEventsFunction").path("Properties").path("Environment")
                .path("Variables");
        int visibility = template.root.path("Resources").path("EventQueue").path("Properties")
                .path("VisibilityTimeout").asInt();
        long base = variables.path("OUTAGE_RETRY_BASE_SECONDS").asLong();
        long max = variables.path("OUTAGE_RETRY_MAX_SECONDS").asLong();
        int maxReceiveCount = template.root.path("Parameters").path("MaxReceiveCount").path("Default").asInt();
        assertEquals(visibility, base, "the back-off starts at the queue's visibility timeout");
        OutageBackoff backoff = new OutageBackoff(() -> null, Duration.ofSeconds(base), Duration.ofSeconds(max));

        // A message failed by the database on each of its receives waits out each back-off before the next one;
        // after maxReceiveCount receives the next receive moves it to the DLQ.
        long outageSurvived = 0;
        for (int receive = 1; receive <= maxReceiveCount; receive++) {
            outageSurvived += backoff.visibilitySeconds(receive);
        }
        long poisonToDlq = (long) maxReceiveCount * visibility;

        assertTrue(outageSurvived >= 4 * 3600, "survives " + outageSurvived + " s of outage");
        assertTrue(poisonToDlq <= 40 * 60, "poison reaches the DLQ after " + poisonToDlq + " s");
    }

    @Test
    void theEventSourceScalesToAtMostAParameterOfContainersAndOnlyTheChosenConsumerRuns() {
        JsonNode record = template.functions().get("RecordEventsFunction").path("Properties").path("Events")
                .path("Queue").path("Properties");
        JsonNode drain = template.functions().get("DrainEventsFunction").path("Properties").path("Events")
                .path("Schedule").path("Properties");
        assertParameter(record.path("ScalingConfig").path("MaximumConcurrency"));
        assertEquals("EventSourceMode", record.path("Enabled").path("Fn::If").get(0).asText());
        assertEquals(List.of(true, false), List.of(record.path("Enabled").path("Fn::If").get(1).asBoolean(),
                record.path("Enabled").path("Fn::If").get(2).asBoolean()));
        // The rule's State, which SAM passes through (SamTranslationTest reads the rule it makes in both modes).
        assertEquals("EventSourceMode", drain.path("State").path("Fn::If").get(0).asText());
        assertEquals(List.of("DISABLED", "ENABLED"), List.of(drain.path("State").path("Fn::If").get(1).asText(),
                drain.path("State").path("Fn::If").get(2).asText()), "never both against one queue");
        assertEquals("event-source", template.root.path("Parameters").path("ConsumerMode").path("Default").asText());
    }

    @Test
    void theFunctionsJoinTheDatabasesVpcOnlyWhenSubnetsAreGiven() {
        JsonNode vpc = globals.path("VpcConfig").path("Fn::If");
        assertEquals("InVpc", vpc.get(0).asText());
        assertEquals("SubnetIds", vpc.get(1).path("SubnetIds").path("Ref").asText());
        assertEquals("SecurityGroupIds", vpc.get(1).path("SecurityGroupIds").path("Ref").asText());
        assertEquals("AWS::NoValue", vpc.get(2).path("Ref").asText());
        assertTrue(template.root.path("Conditions").has("InVpc"));
    }

    @Test
    void alarmsWatchTheDeadLetterQueueAndTheBacklogAndNotifyAnOptionalTopic() {
        JsonNode resources = template.root.path("Resources");
        Map<String, Set<String>> watched = new java.util.HashMap<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::CloudWatch::Alarm")) {
                JsonNode p = e.getValue().path("Properties");
                assertEquals("HasAlarmTopic", p.path("AlarmActions").path("Fn::If").get(0).asText(), e.getKey());
                if (p.has("Metrics")) {
                    return; // metric math: SamTranslationTest reads what it watches
                }
                JsonNode value = p.path("Dimensions").get(0).path("Value");
                watched.computeIfAbsent(p.path("MetricName").asText(), k -> new HashSet<>())
                        .add(value.has("Fn::GetAtt") ? value.path("Fn::GetAtt").get(0).asText() : value.asText());
            }
        });
        assertEquals(Set.of("EventDeadLetterQueue", "ImportFailureQueue"), watched.get("ApproximateNumberOfMessagesVisible"));
        assertEquals(Set.of("EventQueue"), watched.get("ApproximateAgeOfOldestMessage"));
        assertEquals(Set.of("PartitionMaintenance"), watched.get("RowsInDefaultPartition"));
        JsonNode dlqAlarm = resources.path("DeadLetterQueueAlarm").path("Properties");
        assertEquals(0, dlqAlarm.path("Threshold").asInt());
        assertEquals("GreaterThanThreshold", dlqAlarm.path("ComparisonOperator").asText());
    }

    @Test
    void bothQueueConsumersMayChangeAMessagesVisibilityForTheOutageBackoff() {
        for (String function : List.of("RecordEventsFunction", "DrainEventsFunction")) {
            Set<String> actions = new HashSet<>();
            template.functions().get(function).path("Properties").path("Policies").forEach(p ->
                    p.path("Statement").forEach(s -> s.path("Action").forEach(a -> actions.add(a.asText()))));
            assertTrue(actions.contains("sqs:ChangeMessageVisibility"), function + ": " + actions);
        }
    }

    @Test
    void snapStartAppliesToPublishedVersions() {
        assertEquals("PublishedVersions", globals.path("SnapStart").path("ApplyOn").asText());
        assertFalse(globals.path("AutoPublishAlias").asText().isEmpty(), "SnapStart needs published versions");
    }

    @Test
    void everyVariableTheCodeReadsIsDeclaredAndNothingElseIsDeclared() {
        Set<String> declared = new HashSet<>();
        globals.path("Environment").path("Variables").fieldNames().forEachRemaining(declared::add);
        for (JsonNode function : template.functions().values()) {
            function.path("Properties").path("Environment").path("Variables").fieldNames()
                    .forEachRemaining(declared::add);
        }
        for (Variable variable : Variable.values()) {
            if (variable.setByLambda()) {
                assertFalse(declared.contains(variable.name()), variable + " is reserved by Lambda");
            } else {
                assertTrue(declared.contains(variable.name()), variable + " is declared in template.yaml");
            }
        }
        declared.remove("JAVA_TOOL_OPTIONS"); // read by the JVM
        for (String name : declared) {
            assertTrue(Set.of(Variable.values()).stream().anyMatch(v -> v.name().equals(name)),
                    name + " is declared but no code reads it");
        }
    }

    @Test
    void theImportFunctionsAreTriggeredOnTheirOwnPrefixesSoTheirOutputsNeverTriggerThem() {
        JsonNode replay = template.functions().get("ArchiveReplayFunction").path("Properties").path("Events")
                .path("Archive");
        JsonNode upload = template.functions().get("FraudUploadFunction").path("Properties").path("Events")
                .path("Upload");
        assertEquals("S3", replay.path("Type").asText());
        assertEquals("S3", upload.path("Type").asText());
        assertEquals(List.of("prefix=replay/", "suffix=.jsonl"), rules(replay));
        assertEquals(List.of("prefix=upload/"), rules(upload));
        assertTrue(template.functions().get("ArchiveReplayFunction").path("Properties").path("Timeout").asInt() <= 900);
    }

    private static List<String> rules(JsonNode event) {
        List<String> rules = new ArrayList<>();
        event.path("Properties").path("Filter").path("S3Key").path("Rules")
                .forEach(r -> rules.add(r.path("Name").asText() + "=" + r.path("Value").asText()));
        return rules;
    }

    @Test
    void queueFunctionsHaveLeastPrivilege() {
        for (Map.Entry<String, JsonNode> function : template.functions().entrySet()) {
            if (!Set.of("RecordEventsFunction", "DrainEventsFunction").contains(function.getKey())) {
                continue;
            }
            List<JsonNode> statements = new ArrayList<>();
            function.getValue().path("Properties").path("Policies")
                    .forEach(p -> p.path("Statement").forEach(statements::add));
            Set<String> actions = new HashSet<>();
            for (JsonNode statement : statements) {
                JsonNode s = statement.has("Fn::If") ? statement.path("Fn::If").get(1) : statement;
                s.path("Action").forEach(a -> actions.add(a.asText()));
                assertFalse(s.path("Resource").asText().equals("*"), function.getKey() + " grants on *");
                s.path("Action").forEach(a -> assertFalse(a.asText().endsWith("*"), "wildcard action " + a));
            }
            assertTrue(actions.containsAll(Set.of("kms:Decrypt", "rds-db:connect", "s3:GetObject",
                    "sqs:ReceiveMessage", "sqs:DeleteMessage")), function.getKey() + ": " + actions);
            assertFalse(actions.contains("sqs:SendMessage"), "the recorder never sends");
        }
    }

    @Test
    void theApplicationLogLevelCanOnlyBeOneAtWhichTheMetricLinesPass() {
        JsonNode parameter = template.root.path("Parameters").path("ApplicationLogLevel");
        List<String> allowed = new ArrayList<>();
        parameter.path("AllowedValues").forEach(v -> allowed.add(v.asText()));
        assertEquals(List.of("TRACE", "DEBUG", "INFO"), allowed);
        assertEquals("ApplicationLogLevel", template.root.path("Globals").path("Function").path("LoggingConfig")
                .path("ApplicationLogLevel").path("Ref").asText());
    }

    @Test
    void theImportBucketIsVersionedSoThatEachUploadIsItsOwnPut() {
        JsonNode bucket = template.root.path("Resources").path("ImportBucket").path("Properties");
        assertEquals("Enabled", bucket.path("VersioningConfiguration").path("Status").asText());
    }

    @Test
    void theDeadLetterQueueRefusesEverySenderSqsDeadLettersIntoItItself() {
        JsonNode policy = template.root.path("Resources").path("EventDeadLetterQueuePolicy");
        assertFalse(policy.has("Condition"), "always there, unlike the producers' policy");
        assertEquals("EventDeadLetterQueue", policy.path("Properties").path("Queues").get(0).path("Ref").asText());
        JsonNode statement = policy.path("Properties").path("PolicyDocument").path("Statement").get(0);
        assertEquals("Deny", statement.path("Effect").asText());
        assertEquals("*", statement.path("Principal").asText());
        assertEquals("sqs:SendMessage", statement.path("Action").asText());
        assertFalse(statement.has("Condition"), "no sender is excepted");
    }

    @Test
    void eachFunctionLogsInAsItsOwnRoleAndMayConnectAsThatRoleOnly() {
        Map<String, String> roles = Map.of("RecordEventsFunction", "DbUser", "DrainEventsFunction", "DbUser",
                "ArchiveReplayFunction", "ReplayDbUser", "FraudUploadFunction", "FraudUploadDbUser",
                "PartitionMaintenanceFunction", "MaintenanceDbUser", "ExportFunction", "ExportDbUser",
                "LedgerFunction", "LedgerDbUser");
        for (Map.Entry<String, String> e : roles.entrySet()) {
            JsonNode function = template.functions().get(e.getKey()).path("Properties");
            assertEquals(e.getValue(), function.path("Environment").path("Variables").path("DB_USER").path("Ref")
                    .asText(), e.getKey());
            List<String> connects = new ArrayList<>();
            function.path("Policies").forEach(p -> p.path("Statement").forEach(statement -> {
                if (statement.path("Action").toString().contains("rds-db:connect")) {
                    connects.add(statement.path("Resource").path("Fn::Sub").asText());
                }
            }));
            assertEquals(List.of("arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${DbResourceId}/${"
                    + e.getValue() + "}"), connects, e.getKey());
        }
        assertEquals(7, roles.size(), "every function");
        assertEquals(7, template.functions().size());
    }

    @Test
    void importFunctionsHaveLeastPrivilege() {
        Map<String, Set<String>> expected = Map.of(
                "ArchiveReplayFunction", Set.of("kms:Decrypt", "rds-db:connect", "s3:GetObject", "s3:DeleteObject",
                        "s3:PutObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "sqs:SendMessage",
                        // the notified PUT by its version id, read, tagged and deleted
                        "s3:GetObjectVersion", "s3:DeleteObjectVersion", "s3:GetObjectVersionTagging",
                        "s3:PutObjectVersionTagging"),
                "FraudUploadFunction", Set.of("kms:Decrypt", "rds-db:connect", "s3:GetObject", "s3:GetObjectTagging",
                        "s3:DeleteObject", "s3:PutObject", "s3:PutObjectTagging", "sqs:SendMessage",
                        // the notified PUT by its version (the bucket is versioned)
                        "s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:DeleteObjectVersion"));
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            Set<String> actions = new HashSet<>();
            template.functions().get(e.getKey()).path("Properties").path("Policies").forEach(p ->
                    p.path("Statement").forEach(conditional -> {
                        // A statement under Fn::If (kms:Decrypt only with a KMS-encrypted password): when it holds.
                        JsonNode s = conditional.has("Fn::If") ? conditional.get("Fn::If").get(1) : conditional;
                        s.path("Action").forEach(a -> actions.add(a.asText()));
                        s.path("Resource").forEach(r -> assertFalse(r.toString().contains("\"*\"")));
                    }));
            assertEquals(e.getValue(), actions, e.getKey());
        }
    }

    @Test
    void theExportBucketIsWriteOnceEncryptedWithItsOwnKeyTlsOnlyAndNobodyMayDelete() {
        JsonNode bucket = template.root.path("Resources").path("ExportBucket");
        assertEquals("RetainExceptOnCreate", bucket.path("DeletionPolicy").asText());
        JsonNode p = bucket.path("Properties");
        assertEquals("Enabled", p.path("VersioningConfiguration").path("Status").asText());
        assertTrue(p.path("ObjectLockEnabled").asBoolean());
        JsonNode retention = p.path("ObjectLockConfiguration").path("Rule").path("DefaultRetention");
        assertEquals("ExportObjectLockMode", retention.path("Mode").path("Ref").asText());
        assertEquals("ExportRetentionDays", retention.path("Days").path("Ref").asText());
        JsonNode parameters = template.root.path("Parameters");
        assertEquals("COMPLIANCE", parameters.path("ExportObjectLockMode").path("Default").asText());
        assertEquals(2557, parameters.path("ExportRetentionDays").path("Default").asInt(), "seven years");
        JsonNode sse = p.path("BucketEncryption").path("ServerSideEncryptionConfiguration").get(0)
                .path("ServerSideEncryptionByDefault");
        assertEquals("aws:kms", sse.path("SSEAlgorithm").asText());
        assertEquals("ExportBucketKey", sse.path("KMSMasterKeyID").path("Fn::GetAtt").get(0).asText());
        JsonNode statements = template.root.path("Resources").path("ExportBucketPolicy").path("Properties")
                .path("PolicyDocument").path("Statement");
        boolean tlsOnly = false;
        boolean noDelete = false;
        for (JsonNode s : statements) {
            assertEquals("Deny", s.path("Effect").asText());
            assertEquals("*", s.path("Principal").asText());
            tlsOnly |= s.path("Condition").path("Bool").path("aws:SecureTransport").asText().equals("false");
            noDelete |= s.path("Action").toString().contains("s3:DeleteObjectVersion") && !s.has("Condition");
        }
        assertTrue(tlsOnly && noDelete, statements.toString());
        JsonNode signing = template.root.path("Resources").path("ExportSigningKey").path("Properties");
        assertEquals("ECC_NIST_P256", signing.path("KeySpec").asText());
        assertEquals("SIGN_VERIFY", signing.path("KeyUsage").asText());
        JsonNode export = template.functions().get("ExportFunction").path("Properties");
        assertEquals("target/event-recorder-export.jar", export.path("CodeUri").asText(), "its own artifact");
        assertEquals("ExportSchedule", export.path("Events").path("Daily").path("Properties").path("Schedule")
                .path("Ref").asText());
    }

    @Test
    void onlyTheExportAndTheLedgerMayWriteTheExportBucketOrSignAndEachMayDoNothingElse() {
        // kms:Sign is each one's in a policy of its own (the key's policy names their roles).
        Map<String, String> signing = Map.of("ExportFunction", "ExportSigningPolicy", "LedgerFunction",
                "LedgerSigningPolicy");
        Map<String, Set<String>> expected = Map.of(
                "ExportFunction", Set.of("kms:Decrypt", "rds-db:connect", "s3:GetObject", "s3:PutObject",
                        "s3:AbortMultipartUpload", "s3:ListBucket", "s3:ListBucketVersions", "kms:Sign",
                        "kms:GetPublicKey", "kms:GenerateDataKey"),
                // Checkpoints are small single PUTs: no multipart upload to abort.
                "LedgerFunction", Set.of("kms:Decrypt", "rds-db:connect", "s3:GetObject", "s3:PutObject",
                        "s3:ListBucket", "s3:ListBucketVersions", "kms:Sign", "kms:GetPublicKey",
                        "kms:GenerateDataKey"));
        for (Map.Entry<String, JsonNode> function : template.functions().entrySet()) {
            String policyName = signing.get(function.getKey());
            JsonNode own = policyName == null ? null
                    : template.root.path("Resources").path(policyName).path("Properties");
            if (own != null) {
                assertEquals(function.getKey() + "Role", own.path("RoleName").path("Ref").asText(), policyName);
            }
            String policies = function.getValue().path("Properties").path("Policies").toString()
                    + (own == null ? "" : own.toString());
            for (String name : List.of("ExportBucket", "ExportSigningKey", "ExportBucketKey", "kms:Sign")) {
                assertEquals(own != null, policies.contains(name), function.getKey() + " and " + name);
            }
            if (own == null) {
                continue;
            }
            Set<String> actions = new HashSet<>();
            own.path("PolicyDocument").path("Statement").forEach(s -> s.path("Action")
                    .forEach(a -> actions.add(a.asText())));
            function.getValue().path("Properties").path("Policies").forEach(p -> p.path("Statement").forEach(c -> {
                JsonNode s = c.has("Fn::If") ? c.get("Fn::If").get(1) : c;
                s.path("Action").forEach(a -> actions.add(a.asText()));
            }));
            assertEquals(expected.get(function.getKey()), actions, function.getKey());
        }
        String objects = "arn:${AWS::Partition}:s3:::${ExportBucketName}/${ExportPrefix}*";
        assertTrue(template.functions().get("ExportFunction").path("Properties").path("Policies").toString()
                .contains(objects), "puts only under its prefix: " + objects);
        String checkpoints = "arn:${AWS::Partition}:s3:::${ExportBucketName}/${ExportPrefix}_ledger/*";
        assertTrue(template.functions().get("LedgerFunction").path("Properties").path("Policies").toString()
                .contains(checkpoints), "puts only its checkpoints: " + checkpoints);
    }

    @Test
    void theTemplateRefusesABatchSizeOverTenWithoutABatchingWindowBeforeAnythingIsCreated() {
        JsonNode rules = template.root.path("Rules");
        assertTrue(rules.size() > 0, "a Rules section");
        // Lambda's own condition, checked against what the template's rules decide.
        for (int batchSize : new int[]{1, 10, 11, 100, 10_000}) {
            for (int window : new int[]{0, 1, 300}) {
                Map<String, String> parameters = parameters(Map.of("BatchSize", Integer.toString(batchSize),
                        "MaximumBatchingWindowInSeconds", Integer.toString(window)));
                boolean lambdaAccepts = batchSize <= 10 || window >= 1;
                boolean templateAccepts = true;
                for (JsonNode rule : (Iterable<JsonNode>) rules::elements) {
                    if (!rule.has("RuleCondition") || RuleFunctions.truth(rule.path("RuleCondition"), parameters)) {
                        for (JsonNode assertion : rule.path("Assertions")) {
                            templateAccepts &= RuleFunctions.truth(assertion.path("Assert"), parameters);
                        }
                    }
                }
                assertEquals(lambdaAccepts, templateAccepts, "BatchSize " + batchSize + ", window " + window);
            }
        }
    }

    // Lambda refuses a VpcConfig with subnets and no security group:
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
    @Test
    void theTemplateRefusesSubnetsWithoutSecurityGroupsBeforeAnythingIsCreated() {
        assertFalse(rulesAccept(parameters(Map.of("SubnetIds", "subnet-1,subnet-2"))), "subnets alone");
        assertTrue(rulesAccept(parameters(Map.of("SubnetIds", "subnet-1,subnet-2", "SecurityGroupIds", "sg-1"))));
        assertTrue(rulesAccept(parameters(Map.of())), "outside a VPC, the default");
        assertTrue(rulesAccept(parameters(Map.of("SecurityGroupIds", "sg-1"))), "groups alone are unused, not refused");
    }

    @Test
    void aKeptBucketIsRefusedWithoutTheKeysItWasKeptWith() {
        Map<String, String> kept = Map.of("ExportBucketExists", "true",
                "ExistingExportSigningKeyId", "1234abcd-12ab-34cd-56ef-1234567890ab",
                "ExistingExportBucketKeyId", "0987dcba-09fe-87dc-65ba-ab0987654321");
        assertTrue(rulesAccept(parameters(kept)));
        for (String key : List.of("ExistingExportSigningKeyId", "ExistingExportBucketKeyId")) {
            Map<String, String> without = new java.util.HashMap<>(kept);
            without.remove(key);
            assertFalse(rulesAccept(parameters(without)), "a kept bucket without " + key);
        }
        assertTrue(rulesAccept(parameters(Map.of())), "a new bucket, the default, takes no key");
    }

    // SQS's maxReceiveCount is 1 to 1,000:
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    // S3 Object Lock's retention is at most 100 years (36,500 days):
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
    // The batching window is bounded so that the queue's visibility timeout keeps Lambda's advice, six function
    // timeouts plus the window: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    @Test
    void parametersRefuseWhatAwsWouldRefuseAndTheWindowTheVisibilityTimeoutCannotCover() {
        JsonNode parameters = template.root.path("Parameters");
        assertEquals(1000, parameters.path("MaxReceiveCount").path("MaxValue").asInt());
        assertEquals(36500, parameters.path("ExportRetentionDays").path("MaxValue").asInt());
        int visibility = template.root.path("Resources").path("EventQueue").path("Properties")
                .path("VisibilityTimeout").asInt();
        int longestWindow = parameters.path("MaximumBatchingWindowInSeconds").path("MaxValue").asInt();
        assertTrue(visibility >= 6 * globals.path("Timeout").asInt() + longestWindow,
                "visibility " + visibility + " s covers six timeouts and a window of up to " + longestWindow + " s");
        for (String name : List.of("MaxReceiveCount", "ExportRetentionDays", "MaximumBatchingWindowInSeconds")) {
            assertFalse(parameters.path(name).path("Description").asText().isEmpty(), name + " says its limit");
        }
    }

    private boolean rulesAccept(Map<String, String> parameters) {
        boolean accepts = true;
        for (JsonNode rule : (Iterable<JsonNode>) template.root.path("Rules")::elements) {
            if (!rule.has("RuleCondition") || RuleFunctions.truth(rule.path("RuleCondition"), parameters)) {
                for (JsonNode assertion : rule.path("Assertions")) {
                    accepts &= RuleFunctions.truth(assertion.path("Assert"), parameters);
                }
            }
        }
        return accepts;
    }

    /** The template's parameter defaults, with {@code given} over them. */
    private Map<String, String> parameters(Map<String, String> given) {
        Map<String, String> parameters = new java.util.HashMap<>();
        template.root.path("Parameters").fields().forEachRemaining(p -> parameters.put(p.getKey(),
                p.getValue().path("Default").asText()));
        parameters.putAll(given);
        return parameters;
    }

    @Test
    void everyS3ImportIsRetriedThenSentToAFailureQueueThatAlarms() {
        int s3Functions = 0;
        for (Map.Entry<String, JsonNode> function : template.functions().entrySet()) {
            JsonNode properties = function.getValue().path("Properties");
            boolean fromS3 = false;
            for (JsonNode event : (Iterable<JsonNode>) properties.path("Events")::elements) {
                fromS3 |= event.path("Type").asText().equals("S3");
            }
            if (!fromS3) {
                continue;
            }
            s3Functions++;
            JsonNode invoke = properties.path("EventInvokeConfig");
            assertTrue(invoke.path("MaximumRetryAttempts").asInt() >= 1, function.getKey() + " is retried");
            JsonNode onFailure = invoke.path("DestinationConfig").path("OnFailure");
            assertEquals("SQS", onFailure.path("Type").asText(), function.getKey());
            String queue = onFailure.path("Destination").path("Fn::GetAtt").get(0).asText();
            assertEquals("AWS::SQS::Queue", template.root.path("Resources").path(queue).path("Type").asText());
            boolean alarmed = false;
            for (JsonNode resource : (Iterable<JsonNode>) template.root.path("Resources")::elements) {
                alarmed |= resource.path("Type").asText().equals("AWS::CloudWatch::Alarm")
                        && resource.path("Properties").path("Dimensions").toString().contains("\"" + queue + "\"");
            }
            assertTrue(alarmed, "an alarm watches " + queue);
        }
        assertEquals(2, s3Functions);
    }

    private void assertParameter(JsonNode node) {
        String name = node.path("Ref").asText();
        assertTrue(template.root.path("Parameters").has(name), "a parameter, not a literal: " + node);
    }
}
