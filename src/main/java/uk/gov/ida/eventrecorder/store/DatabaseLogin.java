package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.rds.RdsUtilities;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Opens the pool with whichever login the configuration calls for: a password (plain or from KMS) or IAM. */
public final class DatabaseLogin {
    private DatabaseLogin() {
    }

    /**
     * @param kms         built only when the password is KMS-encrypted
     * @param maximumSize connections at most: what the caller uses at once
     */
    public static HikariDataSource open(DatabaseConfig config, Supplier<KmsSecrets> kms, String poolName,
                                        int maximumSize) {
        String user = config.settings().user();
        HikariCredentialsProvider credentials;
        if (config.settings().password().isPresent()) {
            Credentials fixed = Credentials.of(user, config.settings().password().get());
            credentials = () -> fixed;
        } else if (config.encryptedPassword().isPresent()) {
            Credentials fixed = Credentials.of(user, new String(
                    kms.get().decrypt(config.encryptedPassword().get(), "ENCRYPTED_DATABASE_PASSWORD"),
                    StandardCharsets.UTF_8));
            credentials = () -> fixed;
        } else {
            RdsUtilities.Builder rds = RdsUtilities.builder()
                    .credentialsProvider(DefaultCredentialsProvider.builder().build())
                    .region(config.region().map(Region::of)
                            .orElseGet(() -> DefaultAwsRegionProviderChain.builder().build().getRegion()));
            credentials = new RdsIamCredentials(rds.build(), config.settings().host(), config.settings().port(), user);
        }
        return ConnectionPool.open(config.settings(), credentials, config.usesIamAuthentication(),
                config.connectTimeout(), config.socketTimeout(), poolName, maximumSize);
    }
}
