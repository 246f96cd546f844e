package uk.gov.ida.eventrecorder.config;

import java.util.Map;
import java.util.Optional;

/**
 * What the AWS clients take from the environment, read once with the rest of the configuration.
 *
 * @param region                {@code AWS_REGION} (set by Lambda); absent, the SDK's own region lookup
 * @param roleKeysInEnvironment Lambda put the role's keys in the environment ({@code AWS_ACCESS_KEY_ID} and
 *                              {@code AWS_SECRET_ACCESS_KEY}: an on-demand or provisioned function); a SnapStart
 *                              function and an operator's shell have none there (see {@code RoleCredentials})
 */
public record AwsSettings(Optional<String> region, boolean roleKeysInEnvironment) {

    /** The process environment, for the commands. */
    public static AwsSettings fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static AwsSettings fromEnvironment(Map<String, String> environment) {
        // The SDK's own variables, set by Lambda, not the project's: only whether they are there is read.
        return new AwsSettings(new Env(environment).optional(Variable.AWS_REGION),
                environment.get("AWS_ACCESS_KEY_ID") != null && environment.get("AWS_SECRET_ACCESS_KEY") != null);
    }
}
