package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.rds.RdsUtilities;
import uk.gov.ida.eventrecorder.RoleCredentials;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.OutsideCall;
import uk.gov.ida.eventrecorder.config.CaBundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
        return open(config, kms, () -> {
            throw new IllegalStateException("no S3 client to fetch " + config.caBundle().map(CaBundle::location));
        }, poolName, maximumSize);
    }

    /** @param s3 built only when {@code DB_CA_BUNDLE} is an S3 object */
    public static HikariDataSource open(DatabaseConfig config, Supplier<KmsSecrets> kms, Supplier<S3Client> s3,
                                        String poolName, int maximumSize) {
        String user = config.settings().user();
        HikariCredentialsProvider credentials;
        if (config.settings().password().isPresent()) {
            Credentials fixed = Credentials.of(user, config.settings().password().get());
            credentials = () -> fixed;
        } else if (config.encryptedPassword().isPresent()) {
            Credentials fixed = Credentials.of(user, new String(
                    kms.get().decrypt(config.encryptedPassword().get(), "ENCRYPTED_DATABASE_PASSWORD",
                            config.passwordPurpose()),
                    StandardCharsets.UTF_8));
            credentials = () -> fixed;
        } else {
            RdsUtilities.Builder rds = RdsUtilities.builder()
                    .credentialsProvider(RoleCredentials.provider(config.aws().roleKeysInEnvironment()))
                    .region(config.region().map(Region::of)
                            .orElseGet(() -> DefaultAwsRegionProviderChain.builder().build().getRegion()));
            credentials = new RdsIamCredentials(rds.build(), config.settings().host(), config.settings().port(), user);
        }
        Optional<String> rootCert = config.caBundle().map(bundle -> caFile(bundle, s3).toString())
                .or(() -> config.settings().sslRootCert());
        Optional<Duration> sessionStatementTimeout = config.timesStatementsBySession()
                ? Optional.of(config.statementTimeout()) : Optional.empty();
        return ConnectionPool.open(config.settings(), credentials, config.sslMode(), rootCert,
                config.connectTimeout(), config.socketTimeout(), sessionStatementTimeout, poolName, maximumSize);
    }

    /**
     * The bundle as a file for the driver: as it is, or fetched once from S3 into a temporary file (Lambda's /tmp).
     * A bundle that cannot be read fails the login, as a dependency: nothing unverified is tried instead.
     */
    static Path caFile(CaBundle bundle, Supplier<S3Client> s3) {
        if (!bundle.inS3()) {
            Path file = Path.of(bundle.location());
            if (!Files.isReadable(file)) {
                throw new TrustUnavailableException("DB_CA_BUNDLE " + bundle.location() + " is not a readable file "
                        + "(is it in the artifact?)", null);
            }
            return file;
        }
        try {
            byte[] pem = s3.get().getObjectAsBytes(r -> r.bucket(bundle.bucket()).key(bundle.key())
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).asByteArray();
            Path file = Files.createTempFile("db-ca-", ".pem");
            Files.write(file, pem);
            return file;
        } catch (SdkException | IOException e) {
            throw new TrustUnavailableException("could not read the CA bundle " + bundle.location() + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }
}
