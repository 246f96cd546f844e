package uk.gov.ida.eventrecorder.config;

/**
 * {@code DB_CA_BUNDLE}: the certificates the database's must chain to (for RDS, AWS's bundle), as a file (in the
 * artifact, e.g. {@code /var/task/rds-ca.pem}) or an S3 object ({@code s3://bucket/key}), as the data key can be.
 * With a bundle, the recorder connects with {@code sslmode=verify-full}: the certificate must chain to the bundle and
 * name the host connected to.
 */
public record CaBundle(String location) {
    public CaBundle {
        if (!location.startsWith("/") && !location.startsWith("s3://")) {
            throw new ConfigurationException(Variable.DB_CA_BUNDLE.name(),
                    "must be an absolute file path (e.g. /var/task/rds-ca.pem) or s3://bucket/key");
        }
        String rest = location.startsWith("s3://") ? location.substring("s3://".length()) : "";
        if (location.startsWith("s3://") && (rest.indexOf('/') <= 0 || rest.endsWith("/"))) {
            throw new ConfigurationException(Variable.DB_CA_BUNDLE.name(), "must name a bucket and a key: s3://bucket/key");
        }
    }

    public boolean inS3() {
        return location.startsWith("s3://");
    }

    public String bucket() {
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    public String key() {
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? "" : rest.substring(slash + 1);
    }
}
