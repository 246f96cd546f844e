package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.util.Credentials;
import software.amazon.awssdk.services.rds.RdsUtilities;

/**
 * Signs a fresh RDS IAM authentication token for every new physical connection. Tokens are valid for 15 minutes
 * and checked only at login (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.html">
 * IAM database authentication</a>), so one cached at cold start would break the first reconnect after that.
 * HikariCP 7 asks its credentials provider each time it opens a connection. Signing is local (SigV4): no network.
 */
public final class RdsIamCredentials implements HikariCredentialsProvider {
    private final RdsUtilities rds;
    private final String host;
    private final int port;
    private final String user;

    public RdsIamCredentials(RdsUtilities rds, String host, int port, String user) {
        this.rds = rds;
        this.host = host;
        this.port = port;
        this.user = user;
    }

    @Override
    public Credentials getCredentials() {
        String token = rds.generateAuthenticationToken(r -> r.hostname(host).port(port).username(user));
        return Credentials.of(user, token);
    }

    @Override
    public String toString() {
        return "RdsIamCredentials[" + user + "@" + host + ":" + port + "]";
    }
}
