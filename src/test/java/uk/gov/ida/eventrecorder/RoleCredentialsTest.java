package uk.gov.ida.eventrecorder;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import uk.gov.ida.eventrecorder.config.AwsSettings;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class RoleCredentialsTest {
    @Test
    void aFunctionWhoseRoleKeysAreInItsEnvironmentReadsThemThere() {
        assertInstanceOf(EnvironmentVariableCredentialsProvider.class, providerFor(Map.of(
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "example", "AWS_SESSION_TOKEN", "t")));
    }

    @Test
    void aSnapStartFunctionGivenTheContainerEndpointInsteadUsesTheDefaultChainWhichReadsIt() {
        assertInstanceOf(DefaultCredentialsProvider.class, providerFor(Map.of(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9001/2021-04-23/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", "token")));
    }

    @Test
    void anOperatorsShellWithOnlyAProfileUsesTheDefaultChain() {
        assertInstanceOf(DefaultCredentialsProvider.class, providerFor(Map.of("AWS_PROFILE", "audit")));
    }

    /** As the configuration reads the environment, and the clients then choose. */
    private static AwsCredentialsProvider providerFor(Map<String, String> environment) {
        return RoleCredentials.provider(AwsSettings.fromEnvironment(environment).roleKeysInEnvironment());
    }
}
