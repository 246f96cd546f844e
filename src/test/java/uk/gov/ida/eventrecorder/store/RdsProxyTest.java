package uk.gov.ida.eventrecorder.store;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsUtilities;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RDS Proxy is the option for fleets larger than the database's connection budget: nothing may assume the
 * connection string names an instance. The IAM token is signed for whatever host and port the string names (a
 * proxy endpoint authenticates the same token), and the pool connects there and nowhere else.
 */
class RdsProxyTest {
    private static final String PROXY = "events-proxy.proxy-c1a2b3c4d5e6.eu-west-2.rds.amazonaws.com";

    @Test
    void theIamTokenIsSignedForAProxyEndpointAsForAnInstance() {
        DatabaseConfig config = DatabaseConfig.fromEnvironment(Map.of(
                "DB_CONNECTION_STRING", "host=" + PROXY + " port=5432 dbname=events user=event_recorder",
                "AWS_REGION", "eu-west-2"));
        RdsUtilities rds = RdsUtilities.builder().region(Region.EU_WEST_2).credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTESTONLY", "test-secret"))).build();

        String token = new RdsIamCredentials(rds, config.settings().host(), config.settings().port(),
                config.settings().user()).getCredentials().getPassword();

        assertTrue(config.usesIamAuthentication());
        assertTrue(token.startsWith(PROXY + ":5432/?"), "signed for the proxy endpoint");
        assertTrue(token.contains("DBUser=event_recorder") && token.contains("Action=connect"), "an RDS connect token");
        assertEquals("jdbc:postgresql://" + PROXY + ":5432/events", config.settings().jdbcUrl());
    }

    @Test
    void throughAProxyTheStatementTimeoutIsTheDriversNotALoginOptionWhichTheProxyRefuses() {
        DatabaseConfig proxied = DatabaseConfig.fromEnvironment(Map.of(
                "DB_CONNECTION_STRING", "host=" + PROXY + " port=5432 dbname=events user=event_recorder",
                "AWS_REGION", "eu-west-2"));
        DatabaseConfig direct = DatabaseConfig.fromEnvironment(Map.of("DB_CONNECTION_STRING",
                "host=events.c1a2b3c4d5e6.eu-west-2.rds.amazonaws.com port=5432 dbname=events user=event_recorder",
                "AWS_REGION", "eu-west-2"));

        assertFalse(proxied.timesStatementsBySession());
        assertTrue(direct.timesStatementsBySession());
    }
}
