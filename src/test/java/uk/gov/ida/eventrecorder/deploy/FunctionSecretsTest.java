package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.Variable;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each function holds only its own secrets: its environment has only variables its handler reads (the data key
 * reaches only the queue functions, the owner's password only the maintenance), and its KMS grant, when the
 * template binds purposes, covers only the purposes it decrypts.
 */
class FunctionSecretsTest {
    private final Template template = new Template();

    @Test
    void eachFunctionsEnvironmentHoldsOnlyVariablesItsHandlerReads() throws Exception {
        for (Map.Entry<String, JsonNode> function : template.functions().entrySet()) {
            Set<String> declared = environment(function.getValue());
            Set<String> read = variablesRead(Template.handlerClass(function.getValue()));
            read.add("JAVA_TOOL_OPTIONS"); // read by the JVM itself

            Set<String> extra = new TreeSet<>(declared);
            extra.removeAll(read);
            assertEquals(Set.of(), extra, function.getKey() + " is given variables its handler never reads");
        }
        Set<String> dataKey = Set.of("ENCRYPTION_KEY", "DECRYPTION_KEY_BUCKET_NAME", "DECRYPTION_KEY_FILE_NAME");
        for (String function : new String[]{"ArchiveReplayFunction", "FraudUploadFunction",
                "PartitionMaintenanceFunction", "ExportFunction", "LedgerFunction"}) {
            Set<String> env = environment(template.functions().get(function));
            env.retainAll(dataKey);
            assertEquals(Set.of(), env, function + " does not hold the data key");
        }
        JsonNode maintenance = template.functions().get("PartitionMaintenanceFunction").path("Properties")
                .path("Environment").path("Variables");
        assertEquals("MaintenanceEncryptedDatabasePassword",
                maintenance.path("ENCRYPTED_DATABASE_PASSWORD").path("Ref").asText());
        // Each role its own password: a function holds only the password of the role it logs in as.
        Map<String, String> passwords = Map.of("RecordEventsFunction", "EncryptedDatabasePassword",
                "DrainEventsFunction", "EncryptedDatabasePassword",
                "ArchiveReplayFunction", "ReplayEncryptedDatabasePassword",
                "FraudUploadFunction", "FraudUploadEncryptedDatabasePassword",
                "ExportFunction", "ExportEncryptedDatabasePassword",
                "LedgerFunction", "LedgerEncryptedDatabasePassword");
        for (Map.Entry<String, String> e : passwords.entrySet()) {
            assertEquals(e.getValue(), template.functions().get(e.getKey()).path("Properties")
                    .path("Environment").path("Variables").path("ENCRYPTED_DATABASE_PASSWORD").path("Ref").asText(),
                    e.getKey() + " holds its own role's password, not another's");
        }
    }

    @Test
    void withPurposesBoundEachFunctionMayDecryptOnlyItsOwnSecrets() {
        Map<String, Set<String>> expected = Map.of(
                "RecordEventsFunction", Set.of("data-key", "database-password"),
                "DrainEventsFunction", Set.of("data-key", "database-password"),
                "ArchiveReplayFunction", Set.of("database-password"),
                "FraudUploadFunction", Set.of("database-password"),
                "PartitionMaintenanceFunction", Set.of("owner-database-password"),
                "ExportFunction", Set.of("database-password"),
                "LedgerFunction", Set.of("database-password"));
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            Set<String> purposes = new HashSet<>();
            int grants = 0;
            for (JsonNode policy : template.functions().get(e.getKey()).path("Properties").path("Policies")) {
                for (JsonNode statement : policy.path("Statement")) {
                    JsonNode s = whenAllConditionsHold(statement);
                    // The secrets' key only: the export's SSE-KMS bucket key protects no secret of the functions'.
                    if (!s.path("Action").toString().contains("kms:Decrypt")
                            || !s.path("Resource").toString().contains("KmsKeyArn")) {
                        continue;
                    }
                    grants++;
                    JsonNode values = whenAllConditionsHold(whenAllConditionsHold(s.path("Condition"))
                            .path("StringEquals").path("kms:EncryptionContext:event-recorder:purpose"));
                    assertTrue(!values.isMissingNode(), e.getKey() + ": kms:Decrypt without the purpose condition");
                    if (values.isArray()) {
                        values.forEach(v -> purposes.add(v.asText()));
                    } else {
                        purposes.add(values.asText());
                    }
                }
            }
            assertEquals(1, grants, e.getKey());
            assertEquals(e.getValue(), purposes, e.getKey());
        }
    }

    @Test
    void withProducerRolesGivenOnlyTheyMaySendToTheQueue() {
        JsonNode policy = template.root.path("Resources").path("EventQueuePolicy");
        assertEquals("HasProducerRoles", policy.path("Condition").asText(), "no policy when no roles are given");
        JsonNode statement = policy.path("Properties").path("PolicyDocument").path("Statement").get(0);
        assertEquals("Deny", statement.path("Effect").asText());
        assertEquals("*", statement.path("Principal").asText());
        assertEquals("sqs:SendMessage", statement.path("Action").asText());
        assertEquals("ProducerRoleArns", statement.path("Condition").path("ArnNotEquals").path("aws:PrincipalArn")
                .path("Ref").asText(), "denied to every principal but the producers' roles");
        assertEquals("EventQueue", policy.path("Properties").path("Queues").get(0).path("Ref").asText());
    }

    /** The branch an {@code Fn::If} takes when its condition holds (every condition, here). */
    private static JsonNode whenAllConditionsHold(JsonNode node) {
        while (node.isObject() && node.has("Fn::If")) {
            node = node.get("Fn::If").get(1);
        }
        return node;
    }

    private Set<String> environment(JsonNode function) {
        Set<String> names = new HashSet<>();
        template.root.path("Globals").path("Function").path("Environment").path("Variables").fieldNames()
                .forEachRemaining(names::add);
        function.path("Properties").path("Environment").path("Variables").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The variables a handler's constructor reads (it reads its whole configuration there, once). */
    private static Set<String> variablesRead(String handlerClass) throws Exception {
        Set<String> read = new HashSet<>();
        Map<String, String> environment = new HashMap<>() {
            @Override
            public String get(Object key) {
                read.add((String) key);
                return super.get(key);
            }
        };
        environment.put(Variable.DB_CONNECTION_STRING.name(), "host=db.example dbname=events user=recorder");
        environment.put(Variable.ENCRYPTION_KEY.name(), "AAAA");
        environment.put(Variable.QUEUE_URL.name(), "https://sqs.eu-west-2.amazonaws.com/000000000000/events");
        environment.put(Variable.AWS_REGION.name(), "eu-west-2");
        environment.put(Variable.EXPORT_BUCKET.name(), "export");
        environment.put(Variable.EXPORT_SIGNING_KEY_ID.name(), "arn:aws:kms:eu-west-2:000000000000:key/sign");
        Object handler = Class.forName(handlerClass).getConstructor(Map.class).newInstance(environment);
        ((AutoCloseable) handler).close();
        return read;
    }
}
