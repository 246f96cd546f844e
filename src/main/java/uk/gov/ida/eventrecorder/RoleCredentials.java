package uk.gov.ida.eventrecorder;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;

/**
 * Where the AWS clients find the function role's credentials.
 *
 * <p>An on-demand or provisioned function gets its role's keys in its environment ({@code AWS_ACCESS_KEY_ID},
 * {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}): they are read there, without the SDK's default chain,
 * which on its first use builds and tries system properties, web identity, profile files and the container and
 * instance endpoints in turn (52 classes and a thrown exception in the first batch of a cold start, measured from a
 * class-load log). A SnapStart function has no keys in its environment (they would be kept in the snapshot): Lambda
 * gives it the container endpoint instead, as an operator's shell gives a profile; both are the default chain's.
 */
public final class RoleCredentials {
    private RoleCredentials() {
    }

    /** @param roleKeysInEnvironment {@code config.AwsSettings#roleKeysInEnvironment} */
    public static AwsCredentialsProvider provider(boolean roleKeysInEnvironment) {
        if (roleKeysInEnvironment) {
            return EnvironmentVariableCredentialsProvider.create();
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
